// Runs an entry point as a real child process: a free port, its output collected, a bounded wait for exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from '../../scripts/dev/index.ts';
import { onCleanup } from './cleanup.ts';

export { freePort };

export interface Child {
  process: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function start(args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // A test that fails before it stops its process must not leave it running, nor keep this file alive.
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  return { process: child, output: () => output, exited };
}

/** Polls `url` until it answers, failing after `timeoutMs` (30 s: a loaded machine starts the whole stack slowly) with the child's output. */
export async function waitForHttp(url: string, child: Child, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null)
      throw new Error(`process exited early:\n${child.output()}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${child.output()}`);
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface WebProcess {
  url: string;
  child: Child;
  /** SIGTERM, then the exit code once it has drained. */
  stop(): Promise<number | null>;
}

/** `node src/server.ts` on a free port with `env`, answering /healthz; stopped when the file ends. */
export async function startWeb(env: Record<string, string>): Promise<WebProcess> {
  const port = await freePort();
  const child = start(['src/server.ts'], { ...env, PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill('SIGTERM');
    }
    return (await withTimeout(child.exited, 15_000, 'web exit after SIGTERM')).code;
  };
  onCleanup(async () => void (await stop()));
  await waitForHttp(`${url}/healthz`, child, 20_000);
  return { url, child, stop };
}
