// `node scripts/dev.ts run <command> [args...]`: one command, once, with the stand-ins, like heroku local:run.
import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { bannerLines, bannerStandIns } from './banner.ts';
import { devArgv } from './command.ts';
import { projectEnv, type Env } from './env.ts';
import { createOutput } from './output.ts';
import { services } from './services.ts';
import {
  standInEnv,
  startNeededStandIns,
  stopStandIns,
  type RunningStandIn,
  type StandIn,
} from './stand-ins.ts';
import { spawnTied } from './tied.ts';

export const RUN_USAGE =
  'node scripts/dev.ts run <command> [args...], for example node scripts/dev.ts run node src/migrate.ts';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface RunOptions {
  /** The project directory, holding .env; the command runs there. */
  root: string;
  /** The real environment. */
  env: Env;
  /** The command and its arguments, as the shell split them. */
  argv: readonly string[];
  /** Where the launcher's own lines go: stderr, so that the command's stdout is its own (`> file`). */
  stderr: NodeJS.WriteStream;
  registry?: readonly StandIn[];
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A word as a shell would need it, for showing the command. */
function quoted(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A shell's exit status for a process killed by `signal`. */
function signalCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/** Runs the command with the stand-ins for unset URLs, then stops them; resolves to its exit code. */
export async function runOnce(options: RunOptions): Promise<number> {
  const { root, stderr, registry = Object.values(services) } = options;
  const colour = Boolean(stderr.isTTY) && stderr.hasColors();
  const out = createOutput({ names: [], colour, write: (chunk) => void stderr.write(chunk) });
  const argv = devArgv(options.argv);
  const [command, ...args] = argv;
  if (command === undefined) {
    out.say(`usage: ${RUN_USAGE}`);
    return 1;
  }

  const { env: base, note } = projectEnv(root, options.env);
  out.say(note);

  let child: ChildProcess | undefined;
  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    // Before the command runs, finish starting the stand-ins, then stop them rather than leave a state file.
    if (child === undefined) interrupted ??= signal;
    // The command shares our process group, so a terminal's Ctrl-C reaches it directly; pass on the rest.
    else if (signal !== 'SIGINT') child.kill(signal);
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  // Where the command is not tied to the launcher (Windows): at least a launcher that exits takes it along.
  const onExit = () => child?.kill('SIGKILL');
  process.on('exit', onExit);

  let standIns: RunningStandIn[] = [];
  try {
    try {
      standIns = await startNeededStandIns(registry, root, base, out.say);
    } catch (err) {
      out.say(messageOf(err));
      return 1;
    }
    if (interrupted) return signalCode(interrupted);
    for (const line of bannerLines(
      [{ name: 'run', command: argv.map(quoted).join(' ') }],
      bannerStandIns(standIns),
    )) {
      out.say(line);
    }

    // Tied to the launcher: if the launcher is killed, the command does not run on without its stand-ins.
    const started = spawnTied(command === 'node' ? process.execPath : command, args, {
      cwd: root,
      env: { ...base, ...standInEnv(standIns) },
      // Unprefixed and interactive: the command has the terminal, as under heroku local:run.
      stdio: ['inherit', 'inherit', 'inherit'],
    });
    child = started;
    return await new Promise<number>((resolve) => {
      started.once('error', (err) => {
        out.say(
          `could not start "${command}": ${err.message}\n` +
            `Check that it is installed and spelt right; the usage is ${RUN_USAGE}`,
        );
        resolve(127);
      });
      started.once('exit', (code, signal) => resolve(code ?? (signal ? signalCode(signal) : 1)));
    });
  } finally {
    child = undefined;
    process.off('exit', onExit);
    await stopStandIns(standIns, out.say);
    for (const signal of SIGNALS) process.off(signal, onSignal);
  }
}
