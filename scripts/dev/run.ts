// `node scripts/dev.ts run <command> [args...]`: one command, once, with the stand-ins, like heroku local:run.
import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { messageOf } from '../../src/platform/errors.ts';
import { devArgv } from './command.ts';
import { answering, runningDev } from './dev-state.ts';
import { projectEnv, type Env } from './env.ts';
import { createOutput } from './output.ts';
import { services } from './services.ts';
import {
  dataDirOf,
  standInEnv,
  standInsNeeded,
  startNeededStandIns,
  stopStandIns,
  type RunningStandIn,
  type StandIn,
} from './stand-ins.ts';
import { spawnTied } from './tied.ts';

export const RUN_USAGE =
  'node scripts/dev.ts run [--only <stand-in>,...] <command> [args...], for example ' +
  'node scripts/dev.ts run --only postgres node src/migrate.ts\n' +
  'It uses the stand-ins of a running npm run dev, and starts (then stops) only those it lacks; ' +
  '--only limits them to those named.';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface RunOptions {
  /** The project directory, holding .env; the command runs there. */
  root: string;
  /** The real environment. */
  env: Env;
  /** `[--only a,b] <command> [args...]`, as the shell split them. */
  argv: readonly string[];
  /** Where the launcher's own lines go: stderr, so that the command's stdout is its own (`> file`). */
  stderr: NodeJS.WriteStream;
  registry?: readonly StandIn[];
}

/** A word as a shell would need it, for showing the command. */
function quoted(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A shell's exit status for a process killed by `signal`. */
function signalCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/** Reads `--only a,b` (or `--only=a,b`, given more than once) before the command. */
function parseRunArgs(argv: readonly string[]): { only?: string[]; command: string[] } {
  let only: string[] | undefined;
  let i = 0;
  while (argv[i]?.startsWith('-')) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2);
    if (flag !== '--only') throw new Error(`unknown option "${argv[i]}"`);
    const value = inline ?? argv[++i];
    if (value === undefined || value === '' || value.startsWith('-')) {
      throw new Error('--only needs the stand-ins to use, e.g. --only postgres');
    }
    (only ??= []).push(...value.split(',').filter(Boolean));
    i++;
  }
  return { ...(only ? { only } : {}), command: argv.slice(i) };
}

/** "a", "a and b", "a, b and c". */
function listed(names: readonly string[]): string {
  return names.length < 2
    ? names.join('')
    : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/**
 * Runs the command with the stand-ins for unset URLs: those of a running npm run dev where it has them,
 * else its own, stopped after it. Resolves to the command's exit code.
 */
export async function runOnce(options: RunOptions): Promise<number> {
  const { root, stderr, registry = Object.values(services) } = options;
  const colour = Boolean(stderr.isTTY) && stderr.hasColors();
  const out = createOutput({ names: [], colour, write: (chunk) => void stderr.write(chunk) });
  let parsed: ReturnType<typeof parseRunArgs>;
  try {
    parsed = parseRunArgs(options.argv);
  } catch (err) {
    out.say(`${messageOf(err)}\nusage: ${RUN_USAGE}`);
    return 1;
  }
  const unknown = (parsed.only ?? []).filter((name) => !registry.some((s) => s.name === name));
  if (unknown.length > 0) {
    out.say(
      `--only ${unknown.join(', ')}: no such stand-in (there are ${registry.map((s) => s.name).join(', ') || 'none'})`,
    );
    return 1;
  }
  const argv = devArgv(parsed.command);
  const [command, ...args] = argv;
  if (command === undefined) {
    out.say(`usage: ${RUN_USAGE}`);
    return 1;
  }

  const { env: base, note } = projectEnv(root, options.env);
  const wanted = parsed.only
    ? registry.filter((service) => parsed.only?.includes(service.name))
    : registry;
  const needed = standInsNeeded(wanted, base);
  // Two stand-ins on one data folder must never be: a running npm run dev's are used as they are.
  const dev = runningDev(dataDirOf(root, base));
  const reused = (
    await Promise.all(
      needed.map(async (service) => {
        const theirs = dev?.standIns.find((s) => s.name === service.name);
        return theirs && (await answering(theirs)) ? [theirs] : [];
      }),
    )
  ).flat();
  const own = needed.filter((service) => !reused.some((r) => r.name === service.name));

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
      standIns = await startNeededStandIns(own, root, base, out.say);
    } catch (err) {
      out.say(messageOf(err));
      return 1;
    }
    if (interrupted) return signalCode(interrupted);
    const uses = [
      ...(reused.length > 0
        ? [`npm run dev's ${listed(reused.map((r) => r.name))} (process ${dev?.pid})`]
        : []),
      ...(standIns.length > 0
        ? [`${listed(standIns.map((s) => s.service.name))} started for it, stopped after it`]
        : []),
    ];
    out.say(note);
    out.say(`run ${argv.map(quoted).join(' ')}${uses.length ? `, with ${uses.join('; ')}` : ''}`);

    const env = { ...base };
    for (const theirs of reused) Object.assign(env, theirs.env);
    Object.assign(env, standInEnv(standIns));
    // Tied to the launcher: if the launcher is killed, the command does not run on without its stand-ins.
    const started = spawnTied(command === 'node' ? process.execPath : command, args, {
      cwd: root,
      env,
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
