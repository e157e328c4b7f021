// Runs one process type: spawns its command, prefixes its output line by line, stops it on request.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { withDeadline } from '../../src/platform/backing-services.ts';
import { toArgv } from './command.ts';
import type { Output } from './output.ts';
import { spawnTied } from './tied.ts';

export interface ProcessSpec {
  readonly name: string;
  readonly command: string;
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface RunningProcess {
  readonly name: string;
  /** Settles once the process has exited and its output is written; never rejects. */
  readonly exited: Promise<Exit>;
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves when the process is gone. */
  stop(timeoutMs: number): Promise<Exit>;
  /** SIGKILL at once and without waiting, for a launcher that is exiting anyway. */
  kill(): void;
}

const POSIX = process.platform !== 'win32';

export function describeExit({ code, signal }: Exit): string {
  return signal ? `was killed by ${signal}` : `exited with code ${code ?? 'unknown'}`;
}

export function startProcess(spec: ProcessSpec, out: Output): RunningProcess {
  const argv = toArgv(spec.command) ?? (POSIX ? ['/bin/sh', '-c', spec.command] : undefined);
  // `node` is this Node, the one whose version was checked, whatever else PATH holds.
  const file = argv?.[0] === 'node' ? process.execPath : (argv?.[0] ?? spec.command);
  // Tied to the launcher, so that even a launcher killed with SIGKILL leaves no process behind.
  const child = spawnTied(file, argv?.slice(1) ?? [], {
    cwd: spec.cwd,
    env: spec.env,
    ...(argv === undefined ? { shell: true } : {}),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that stopping reaches what it started too (node --watch runs the app as
    // a child of its own) and a terminal's Ctrl-C reaches the launcher alone, which stops things in order.
    detached: POSIX,
  });

  let exit: Exit | undefined;
  let stopping = false;
  const signalGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(POSIX ? -child.pid : child.pid, signal);
    } catch {
      // Already gone.
    }
  };

  const exited = new Promise<Exit>((resolve) => {
    child.on('error', (err) => {
      out.line(spec.name, `could not start "${spec.command}": ${err.message}`);
      if (child.pid === undefined) resolve((exit = { code: 127, signal: null }));
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // Whatever the group still holds after its leader stopped would be orphaned: end it too.
      if (stopping) signalGroup('SIGKILL');
    });
    // 'close' comes after the output streams have ended, so no line is lost after "exited".
    child.on('close', (code, signal) => resolve(exit ?? { code, signal }));
  });
  for (const stream of [child.stdout, child.stderr] as Readable[]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (text) =>
      out.line(spec.name, text),
    );
  }

  return {
    name: spec.name,
    exited,
    async stop(timeoutMs) {
      if (exit) return exited;
      stopping = true;
      // `exited` never rejects: a rejection here is the deadline, the process still running.
      const exitWithin = (ms: number) =>
        withDeadline(exited, ms, () => new Error('still running')).catch(() => undefined);
      signalGroup('SIGTERM');
      const result = await exitWithin(timeoutMs);
      if (result) return result;
      out.line(spec.name, `still running ${timeoutMs} ms after SIGTERM: sending SIGKILL`);
      signalGroup('SIGKILL');
      // A process that left the group could still hold the output pipes open; do not wait on it.
      return (await exitWithin(2000)) ?? exit ?? { code: null, signal: 'SIGKILL' };
    },
    kill() {
      if (!exit) signalGroup('SIGKILL');
    },
  };
}
