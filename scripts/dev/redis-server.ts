// A real redis-server as a child process: a free port, nothing written to disk, and, when asked, TLS
// with a password as Heroku's Key-Value Store has it. Used by `npm run dev`, the tests and verify.
import type { ChildProcess } from 'node:child_process';
import { access, constants, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './ready.ts';
import { spawnTied } from './tied.ts';

export interface RedisTls {
  key: string;
  cert: string;
}

export interface LocalRedisOptions {
  /** A fixed port; else a free one. */
  port?: number;
  /** Serve TLS only, with this key and certificate (a self-signed one is fine: clients do not verify). */
  tls?: RedisTls;
  /** Require AUTH with this password, as every Heroku plan does. */
  password?: string;
}

export interface LocalRedis {
  /** redis://127.0.0.1:port, or rediss://:password@127.0.0.1:port with TLS. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** The version the server reported, e.g. "7.0.15". */
  readonly version: string;
  /** Settles when the server has exited, however it came to: how, as node:child_process says it. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Ends the server and waits for it to exit (SIGKILL after 5 s, for one that hangs); its files go with it. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would end it: no goodbye to its clients. */
  kill(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

/** The redis-server on PATH, or undefined when none is installed. */
export async function findRedisServer(
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, 'redis-server');
    try {
      await access(file, constants.X_OK);
      return file;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/** Starts redis-server and resolves once it accepts connections; rejects with its own words if it cannot. */
export async function startLocalRedis(options: LocalRedisOptions = {}): Promise<LocalRedis> {
  const binary = await findRedisServer();
  if (binary === undefined) throw new Error('redis-server is not installed');
  const port = options.port ?? (await freePort());
  const dir = await mkdtemp(path.join(tmpdir(), 'local-redis-'));
  const args = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  // Sessions must never be evicted to make room: a full Redis should refuse writes, not log people out.
  args.push('--maxmemory-policy', 'noeviction');
  if (options.tls) {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    await writeFile(key, options.tls.key, { mode: 0o600 });
    await writeFile(cert, options.tls.cert);
    args.push('--port', '0', '--tls-port', String(port), '--tls-cert-file', cert);
    args.push('--tls-key-file', key, '--tls-ca-cert-file', cert, '--tls-auth-clients', 'no');
  } else {
    args.push('--port', String(port));
  }
  if (options.password !== undefined) args.push('--requirepass', options.password);

  // Tied to this process, so that the server ends with it, however it ends (a signal, SIGKILL, a crash),
  // and in a process group of its own, so that a terminal's Ctrl-C leaves it to its owner to stop in order.
  const child = spawnTied(binary, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: process.platform !== 'win32',
    folder: dir,
  });
  // Not events.once: that rejects on 'error', which ready() reports.
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  // At a normal exit, at once rather than when the watchdog notices.
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  const version = await ready(child).catch(async (err: unknown) => {
    process.off('exit', orphanGuard);
    await rm(dir, { recursive: true, force: true });
    throw err;
  });
  const scheme = options.tls ? 'rediss' : 'redis';
  const auth = options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`;
  let stopped: Promise<void> | undefined;
  const end = (signal: NodeJS.Signals) => {
    stopped ??= (async () => {
      process.off('exit', orphanGuard);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        // A server stopped with SIGSTOP keeps SIGTERM pending: it must not keep its owner from exiting.
        const late = sleep(STOP_TIMEOUT_MS, 'late' as const, { ref: false });
        if ((await Promise.race([closed, late])) === 'late') child.kill('SIGKILL');
      }
      await closed;
      await rm(dir, { recursive: true, force: true });
    })();
    return stopped;
  };
  return {
    url: `${scheme}://${auth}127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    version,
    exited: closed,
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
  };
}

/** Waits for "Ready to accept connections"; an early exit rejects with the server's last lines. */
async function ready(child: ChildProcess): Promise<string> {
  let output = '';
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`redis-server did not start within ${READY_TIMEOUT_MS / 1000} s:\n${output}`),
      );
    }, READY_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/Ready to accept connections/.test(output)) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(/version=(\d+\.\d+\.\d+)/.exec(output)?.[1] ?? 'unknown');
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const last = output.trim().split('\n').slice(-3).join('\n');
      reject(new Error(`redis-server exited (${signal ?? `code ${code}`}):\n${last}`));
    });
  });
}
