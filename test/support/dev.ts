// Runs the dev launcher (scripts/dev.ts) for real in tests, and makes sure nothing it started outlives them.
//
// Each launcher gets a marker in its environment, which every process it starts inherits, so a test can
// tell whether any of them outlived the launcher. Whatever a test file's launchers leave behind is killed,
// and their temporary folders removed, when that file ends.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { withDeadline } from '../../src/platform/backing-services.ts';

/** The repository, where scripts/dev.ts and the test fixtures are. */
export const root = fileURLToPath(new URL('../..', import.meta.url));
/** The start of an ANSI escape sequence: colour. */
export const ESC = '\u001b';

export interface Launcher {
  child: ChildProcess;
  marker: string;
  /** Its DEV_DATA_DIR: a temporary folder of its own unless the test gave one. */
  dataDir: string;
  output(): string;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

const launchers: Launcher[] = [];
const temporaryDirs: string[] = [];

/**
 * The environment of a test's launcher, or of anything else a test runs that reads .env (db:reset):
 * DEV_SKIP_DOTENV=1, so that no developer's .env in the project changes the outcome.
 */
export function launcherEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, DEV_SKIP_DOTENV: '1', ...env };
  delete childEnv.NODE_TEST_CONTEXT;
  return childEnv;
}

/**
 * Spawns scripts/dev.ts with `args` in `cwd`, without reading .env (see launcherEnv) unless `env` sets
 * DEV_SKIP_DOTENV otherwise. DEV_DATA_DIR is a fresh temporary folder unless `env` sets it, so that no
 * test reads or writes the developer's .data/.
 */
export function runLauncher(
  cwd: string,
  env: Record<string, string>,
  args: string[] = [],
): Launcher {
  const marker = randomUUID();
  let dataDir = env.DEV_DATA_DIR;
  if (dataDir === undefined) {
    dataDir = mkdtempSync(path.join(tmpdir(), 'dev-data-'));
    temporaryDirs.push(dataDir);
  }
  const childEnv = launcherEnv({ ...env, DEV_DATA_DIR: dataDir, DEV_TEST_MARKER: marker });
  const child = spawn(process.execPath, [path.join(root, 'scripts/dev.ts'), ...args], {
    cwd,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stderr += chunk.toString();
  });
  // 'close' comes after the output has ended, so that no line is missing when a test looks at it.
  const exited = once(child, 'close').then(([code]) => code as number | null);
  const launcher = {
    child,
    marker,
    dataDir,
    output: () => output,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
  };
  launchers.push(launcher);
  return launcher;
}

/** The pids of live processes that carry `marker` in their environment (Linux only: /proc). */
export function processesWithMarker(marker: string): number[] {
  if (!existsSync('/proc/self/environ')) return [];
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(`DEV_TEST_MARKER=${marker}`)) {
        pids.push(Number(entry));
      }
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return pids;
}

// Registered once per test file that imports this module (each file runs in a process of its own).
after(async () => {
  // Whatever a failed test left running is killed, so the suite can never hang on it.
  for (const { child } of launchers) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  // What a launcher started ends with it, as each process's watchdog sees it go: give them that moment,
  // since a watchdog killed first would leave its process running (a redis-server, whose marker is gone).
  const deadline = Date.now() + 3_000;
  while (Date.now() < deadline && launchers.some((l) => processesWithMarker(l.marker).length > 0)) {
    await sleep(100);
  }
  for (const { marker } of launchers) {
    for (const pid of processesWithMarker(marker)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  for (const dir of temporaryDirs) rmSync(dir, { recursive: true, force: true });
});

export { freePort } from '../../scripts/dev/index.ts';

/** `promise`, or a failure with the launcher's output if it takes longer than `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string, launcher: Launcher) {
  return withDeadline(
    promise,
    ms,
    () => new Error(`${what}: not within ${ms} ms. Output:\n${launcher.output()}`),
  );
}

/** Polls `condition` for up to `ms` (30 s: PGlite alone takes some 10 s to start on a busy laptop), failing early with the output if the launcher exits meanwhile. */
export async function until(
  condition: () => Promise<boolean> | boolean,
  what: string,
  l: Launcher,
  ms = 30_000,
) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (l.child.exitCode !== null) throw new Error(`launcher exited early:\n${l.output()}`);
    if (await condition()) return;
    await sleep(50);
  }
  throw new Error(`${what}: not within ${ms / 1000} s. Output:\n${l.output()}`);
}

/** Waits until `url` answers 200 while the launcher runs (up to `ms`, 30 s), and returns the page. */
export async function pageFrom(
  url: string,
  launcher: Launcher,
  what: string,
  ms = 30_000,
): Promise<string> {
  let page = '';
  await until(
    async () => {
      const res = await fetch(url).catch(() => undefined);
      if (res?.status !== 200) return false;
      page = await res.text();
      return true;
    },
    what,
    launcher,
    ms,
  );
  return page;
}
