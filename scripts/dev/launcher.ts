// The dev launcher: runs the Procfile like `heroku local`, with stand-ins for backing services not set.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { bannerLines, bannerStandIns } from './banner.ts';
import { devCommand } from './command.ts';
import { processEnv, projectEnv, webPort, type Env } from './env.ts';
import { createOutput } from './output.ts';
import {
  parseProcfile,
  ProcessTypeError,
  ProcfileError,
  RELEASE,
  selectProcessTypes,
  type ProcessType,
} from './procfile.ts';
import { firstAnswer, portInUse } from './ready.ts';
import { describeExit, startProcess, type Exit, type RunningProcess } from './runner.ts';
import { services } from './services.ts';
import {
  standInEnv,
  startNeededStandIns,
  stopStandIns,
  type RunningStandIn,
  type StandIn,
} from './stand-ins.ts';

export const LAUNCH_USAGE =
  'npm run dev [-- <process type>...], for example npm run dev -- web\n' +
  'The release phase runs first, then the process types named, or all of them when none is.';

// Enough for the app to finish a request and close; its SHUTDOWN_TIMEOUT_MS is sized for production.
const STOP_TIMEOUT_MS = 10_000;
const READY_TIMEOUT_MS = 60_000;

export interface LaunchOptions {
  /** The project directory, holding the Procfile and .env. */
  root: string;
  /** The real environment. */
  env: Env;
  stdout: NodeJS.WriteStream;
  /** The process types to run after release, like `heroku local web worker`; all of them when empty. */
  names?: readonly string[];
  registry?: readonly StandIn[];
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs until Ctrl-C or until every process has exited; resolves to the exit code. */
export async function launch(options: LaunchOptions): Promise<number> {
  const { root, stdout, names = [], registry = Object.values(services) } = options;
  const colour = Boolean(stdout.isTTY) && stdout.hasColors();
  const write = (chunk: string) => void stdout.write(chunk);

  let procfile: ProcessType[];
  try {
    procfile = parseProcfile(readFileSync(path.join(root, 'Procfile'), 'utf8'));
  } catch (err) {
    const problem = err instanceof ProcfileError ? err.problems.join('\n') : messageOf(err);
    createOutput({ names: [], colour, write }).say(`cannot read the Procfile:\n${problem}`);
    return 1;
  }
  const out = createOutput({ names: procfile.map((t) => t.name), colour, write });
  const release = procfile.find((t) => t.name === RELEASE);
  if (procfile.every((t) => t === release)) {
    out.say('the Procfile has no process type to run besides release');
    return 1;
  }
  let types: ProcessType[];
  try {
    types = selectProcessTypes(procfile, names);
  } catch (err) {
    if (!(err instanceof ProcessTypeError)) throw err;
    out.say(err.message);
    return 1;
  }

  const { env: base, note } = projectEnv(root, options.env);
  // The children write to a pipe, not a terminal: tell their loggers to colour anyway when we do.
  if (colour && base.FORCE_COLOR === undefined && base.NO_COLOR === undefined)
    base.FORCE_COLOR = '1';
  out.say(note);

  const web = types.find((t) => t.name === 'web');
  let port: number | undefined;
  if (web) {
    try {
      port = webPort(base);
    } catch (err) {
      out.say(messageOf(err));
      return 1;
    }
    // Else the app fails to listen while the readiness check below gets its answer from the other server.
    if (await portInUse(port)) {
      out.say(`port ${port} is in use (another npm run dev?): stop that, or set PORT in .env`);
      return 1;
    }
  }

  // From here on there is something to stop.
  const stopping = new AbortController();
  const stopped = new Promise<'stopped'>((resolve) =>
    stopping.signal.addEventListener('abort', () => resolve('stopped')),
  );
  const onSignal = (signal: NodeJS.Signals) => {
    // npm passes the terminal's Ctrl-C on as well, so the same signal can come twice.
    if (stopping.signal.aborted) return;
    out.say(`${signal}: stopping everything`);
    stopping.abort();
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
  const running: RunningProcess[] = [];
  let standIns: RunningStandIn[] = [];
  // The last resort if the launcher dies: no process of ours outlives it.
  process.on('exit', () => running.forEach((p) => p.kill()));
  const shutDown = async (code: number): Promise<number> => {
    await Promise.all(running.map((p) => p.stop(STOP_TIMEOUT_MS)));
    await stopStandIns(standIns, out.say);
    out.say('stopped');
    return code;
  };

  try {
    standIns = await startNeededStandIns(registry, root, base, out.say);
  } catch (err) {
    out.say(messageOf(err));
    return 1;
  }
  const attached = standInEnv(standIns);
  if (stopping.signal.aborted) return shutDown(0);

  if (release) {
    const command = devCommand(release.command, { watch: false });
    out.say(`release phase: ${command}`);
    let advice: string | undefined;
    const watched = {
      ...out,
      line(name: string, text: string) {
        for (const { started } of standIns) advice ??= started.adviceFor?.(text);
        out.line(name, text);
      },
    };
    const proc = startProcess(
      { name: release.name, command, env: processEnv(base, attached, undefined), cwd: root },
      watched,
    );
    running.push(proc);
    const exit = await Promise.race([proc.exited, stopped]);
    if (exit === 'stopped') return shutDown(0);
    running.pop();
    if (exit.code !== 0) {
      out.say(
        `release ${describeExit(exit)}, so nothing else was started.\n` +
          (advice ?? 'Fix the error above and run npm run dev again.'),
      );
      return shutDown(1);
    }
  }

  const url = port === undefined ? undefined : `http://localhost:${port}`;
  const commands = types.map((type) => ({
    type,
    name: type.name,
    command: devCommand(type.command, { watch: true }),
    ...(type === web && url ? { url } : {}),
  }));
  const leftOut = procfile.filter((t) => t !== release && !types.includes(t));
  if (leftOut.length > 0) {
    out.say(
      `left out: ${leftOut.map((t) => t.name).join(', ')} (npm run dev without names runs them all)`,
    );
  }
  const banner = bannerLines(commands, bannerStandIns(standIns));
  for (const line of banner) out.say(line);

  const exits: Array<Promise<Exit>> = [];
  for (const { type, name, command } of commands) {
    const env = processEnv(base, attached, type === web ? port : undefined);
    const proc = startProcess({ name, command, env, cwd: root }, out);
    running.push(proc);
    exits.push(
      proc.exited.then((exit) => {
        if (!stopping.signal.aborted) out.say(`${name} ${describeExit(exit)}`);
        return exit;
      }),
    );
    if (type === web && url) void reportReady(url, proc, stopping.signal, out.say);
  }

  const outcome = await Promise.race([Promise.all(exits), stopped]);
  if (outcome === 'stopped') return shutDown(0);
  out.say('every process has exited');
  return shutDown(outcome.every((exit) => exit.code === 0) ? 0 : 1);
}

/** Prints how long it took from launch until web first answered /healthz: the dev start time. */
async function reportReady(
  url: string,
  web: RunningProcess,
  stopping: AbortSignal,
  say: (text: string) => void,
): Promise<void> {
  const webGone = new AbortController();
  void web.exited.then(() => webGone.abort());
  const status = await firstAnswer(`${url}/healthz`, {
    signal: AbortSignal.any([stopping, webGone.signal]),
    timeoutMs: READY_TIMEOUT_MS,
  });
  // performance.now() counts from the start of this process, so the figure includes the launcher's own.
  const ms = Math.round(performance.now());
  if (status === 200) say(`ready in ${ms} ms: ${url}`);
  else if (status !== undefined) say(`web answers /healthz with ${status} (after ${ms} ms)`);
  else if (!stopping.aborted && !webGone.signal.aborted) {
    say(`web did not answer ${url}/healthz within ${READY_TIMEOUT_MS / 1000} s`);
  }
}
