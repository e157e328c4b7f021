// The servers under test run in processes of their own, so that the load generator (this process)
// and the server compete for the cores the way a client and a dyno would not share them on Heroku.
import { spawn, execFile } from 'node:child_process';
import { mkdir, open, readFile, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { request } from 'node:http';
import { promisify } from 'node:util';
import { freePort, parseProcfile, toArgv } from '../../scripts/dev/index.ts';

export interface Served {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  /** From spawn to the first 200 of `readyPath`. */
  readonly coldStartMs: number;
  /** Resident memory of the process and its children (a cluster's workers), in MB. */
  rssMb(): Promise<number>;
  stop(): Promise<void>;
}

export interface ServeOptions {
  readonly name: string;
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** Where its output goes: a file, as Heroku's log router would take it away. */
  readonly logFile: string;
  readonly readyPath?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A memory cgroup to start in (see dynoMemory): the limit a dyno's processes live under. */
  readonly cgroup?: DynoMemory | undefined;
}

const READY_TIMEOUT_MS = 30_000;

/** One GET; its status, or undefined when nothing answers yet. */
function status(
  url: string,
  headers: Readonly<Record<string, string>>,
): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request(url, { headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(undefined));
    req.setTimeout(2000, () => req.destroy());
    req.end();
  });
}

export async function serve(options: ServeOptions): Promise<Served> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = await open(options.logFile, 'a');
  const started = performance.now();
  // A shell joins the cgroup, then becomes node (exec): the pid stays the same, and node's
  // children (a cluster's workers) are born inside it, as on a dyno.
  const [command, args] = options.cgroup
    ? [
        '/bin/sh',
        [
          '-c',
          `echo $$ > '${options.cgroup.procs}' && exec "$0" "$@"`,
          process.execPath,
          ...options.argv,
        ],
      ]
    : [process.execPath, [...options.argv]];
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...options.env, PORT: String(port) },
    stdio: ['ignore', log.fd, log.fd],
  });
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const late = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(late);
    }
    process.off('exit', orphanGuard);
    await log.close();
  };
  // Polled every 2 ms: a cold start is measured in tens of milliseconds.
  const target = `${url}${options.readyPath ?? '/'}`;
  let answer: number | undefined;
  while (answer !== 200) {
    if (child.exitCode !== null || performance.now() - started > READY_TIMEOUT_MS) {
      await stop();
      throw new Error(
        `${options.name} did not answer 200 on ${options.readyPath ?? '/'} ` +
          `(last answer: ${answer ?? 'none'}); its output is in ${options.logFile}`,
      );
    }
    answer = await status(target, options.headers ?? {});
    if (answer !== 200) await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const coldStartMs = performance.now() - started;
  const pid = child.pid!;
  return { name: options.name, url, pid, coldStartMs, rssMb: () => treeRssMb(pid), stop };
}

/** `ps` works the same on Linux and macOS: sum the resident sizes of a process and its descendants. */
async function treeRssMb(root: number): Promise<number> {
  const { stdout } = await promisify(execFile)('ps', ['-A', '-o', 'pid=,ppid=,rss=']);
  const rows = stdout
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number, number]);
  const inTree = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of rows) {
      if (inTree.has(ppid) && !inTree.has(pid)) grew = inTree.add(pid) !== undefined;
    }
  }
  const kb = rows.filter(([pid]) => inTree.has(pid)).reduce((sum, [, , rss]) => sum + rss, 0);
  return kb / 1024;
}

/** What Heroku runs: the Procfile's web command without `node` itself, its node flags included. */
export async function procfileWeb(root: string): Promise<string[]> {
  const procfile = parseProcfile(await readFile(path.join(root, 'Procfile'), 'utf8'));
  const web = procfile.find((type) => type.name === 'web');
  const argv = web ? toArgv(web.command) : undefined;
  if (argv?.[0] !== 'node') {
    throw new Error(
      'the Procfile needs a plain `web: node … dist/src/server.js` line for the bench to run it',
    );
  }
  return argv.slice(1);
}

export interface DynoMemory {
  readonly limitMb: number;
  /** The file a process writes its pid to, to join. */
  readonly procs: string;
  remove(): Promise<void>;
}

/** How many dynoMemory made in this process: part of each one's name. */
let made = 0;

/**
 * A memory cgroup of `limitMb`, as Heroku puts each dyno in one (512 MB for Basic and Standard-1X), or
 * undefined where none can be made (not Linux, not root, no memory controller). It matters: Node sizes
 * V8's heap to the memory it may use, so without a limit a process on a large machine grows far beyond
 * what it would on a dyno before it collects garbage.
 */
export async function dynoMemory(limitMb: number): Promise<DynoMemory | undefined> {
  // Its own name each time: a second one of the same size must not find the first in the way.
  const name = `campaign-bench-${process.pid}-${limitMb}mb-${++made}`;
  const bytes = String(limitMb * 2 ** 20);
  // cgroup v1 (as on Heroku's dynos), then v2.
  for (const [root, limitFile] of [
    ['/sys/fs/cgroup/memory', 'memory.limit_in_bytes'],
    ['/sys/fs/cgroup', 'memory.max'],
  ] as const) {
    const dir = path.join(root, name);
    try {
      await mkdir(dir);
    } catch {
      continue;
    }
    try {
      // Never created: a real cgroup has the file as soon as it exists. Where the root is a plain
      // folder (cgroup v1 mounts a tmpfs at /sys/fs/cgroup), writing would only make a file.
      await writeFile(path.join(dir, limitFile), bytes, { flag: 'r+' });
      return {
        limitMb,
        procs: path.join(dir, 'cgroup.procs'),
        // A cgroup goes once its processes have; rmdir is how it is removed.
        remove: () => rmdir(dir).catch(() => undefined),
      };
    } catch {
      await rmdir(dir).catch(() => undefined);
    }
  }
  return undefined;
}

/**
 * Runs the production build's migrations against `env`'s database. Asynchronously: PGlite answers from
 * this very process, so a blocking spawn would wait for a server it keeps from answering.
 */
export async function migrate(root: string, env: Readonly<Record<string, string>>): Promise<void> {
  try {
    await promisify(execFile)(process.execPath, ['dist/src/migrate.js'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
    throw new Error(`the migration failed:\n${stdout}${stderr}`, { cause: err });
  }
}
