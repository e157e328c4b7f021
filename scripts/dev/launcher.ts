// The dev launcher: runs the Procfile like `heroku local`, with stand-ins for backing services not set.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { messageOf } from '../../src/platform/errors.ts';
import { bannerLines, bannerStandIns } from './banner.ts';
import { devCommand } from './command.ts';
import { publishStandIns } from './dev-state.ts';
import { processEnv, projectEnv, webPort, type Env } from './env.ts';
import { watchFolders, type FolderWatch } from './folder-watch.ts';
import { createOutput } from './output.ts';
import {
  parseProcfile,
  ProcessTypeError,
  ProcfileError,
  RELEASE,
  selectProcessTypes,
  type ProcessType,
} from './procfile.ts';
import { firstAnswer, freePort, portInUse } from './ready.ts';
import { startRouter, type LocalRouter } from './router.ts';
import { describeExit, startProcess, type Exit, type RunningProcess } from './runner.ts';
import { services } from './services.ts';
import {
  dataDirOf,
  standInEnv,
  startNeededStandIns,
  stopStandIns,
  type RunningStandIn,
  type StandIn,
} from './stand-ins.ts';

export const LAUNCH_USAGE =
  'npm run dev [-- <process type>...] [--scale web=2] [--without <stand-in>]\n' +
  'The release phase runs first, then the process types named, or all of them when none is.\n' +
  '  --scale web=2     two web processes behind one address, taking requests in turn (as dynos)\n' +
  '  --without redis   no stand-in for that service: its variable stays unset';

export interface LaunchArgs {
  names: string[];
  /** Processes per type, as `heroku ps:scale web=2` sets dynos. */
  scale: Record<string, number>;
  /** Stand-ins not to start. */
  without: string[];
}

/** Reads `web worker --scale web=2 --without redis`; throws an Error whose message says what is wrong. */
export function parseLaunchArgs(args: readonly string[]): LaunchArgs {
  const parsed: LaunchArgs = { names: [], scale: {}, without: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.startsWith('--') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    if (flag === '--scale' || flag === '--without') {
      const value = inline ?? args[++i];
      if (value === undefined || value.startsWith('-')) throw new Error(`${flag} needs a value`);
      if (flag === '--without') {
        parsed.without.push(...value.split(','));
        continue;
      }
      for (const pair of value.split(',')) {
        const match = /^([A-Za-z0-9_-]+)=(\d+)$/.exec(pair);
        const count = Number(match?.[2]);
        if (!match || count < 1 || count > 8) {
          throw new Error(
            `--scale takes type=count with a count from 1 to 8, e.g. web=2 (got "${pair}")`,
          );
        }
        parsed.scale[match[1]!] = count;
      }
    } else if (arg.startsWith('-')) {
      throw new Error(`unknown option "${arg}"`);
    } else {
      parsed.names.push(arg);
    }
  }
  return parsed;
}

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
  /** Processes per type; one when unnamed. More than one web runs behind a local router on PORT. */
  scale?: Readonly<Record<string, number>>;
  /** Stand-ins not to start, by name. */
  without?: readonly string[];
  registry?: readonly StandIn[];
}

/** Runs until Ctrl-C or until every process has exited; resolves to the exit code. */
export async function launch(options: LaunchOptions): Promise<number> {
  const { root, stdout, names = [], scale = {}, without = [] } = options;
  const known = options.registry ?? Object.values(services);
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
  const instanceNames = (type: ProcessType) => {
    const count = scale[type.name] ?? 1;
    return count === 1
      ? [type.name]
      : Array.from({ length: count }, (_, i) => `${type.name}.${i + 1}`);
  };
  const out = createOutput({
    names: [...procfile.flatMap(instanceNames), 'router'],
    colour,
    write,
  });
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
  const unscalable = Object.keys(scale).filter((name) => !types.some((t) => t.name === name));
  if (unscalable.length > 0) {
    out.say(
      `--scale names ${unscalable.join(', ')}, which this run does not start: ${types.map((t) => t.name).join(', ')}`,
    );
    return 1;
  }
  const unknownStandIns = without.filter((name) => !known.some((s) => s.name === name));
  if (unknownStandIns.length > 0) {
    out.say(
      `--without ${unknownStandIns.join(', ')}: no such stand-in (there are ${known.map((s) => s.name).join(', ') || 'none'})`,
    );
    return 1;
  }
  const registry = known.filter((service) => !without.includes(service.name));
  for (const service of known.filter((s) => without.includes(s.name))) {
    out.say(
      `${service.name}: not started (--without ${service.name}), so ${service.envVar} stays unset`,
    );
  }

  const { env: base, note } = projectEnv(root, options.env);
  const webCount = scale.web ?? 1;
  if (webCount > 1 && base.SESSION_SECRET === undefined) {
    // Every dyno of an app reads the same config: a cookie one process signs, the others must accept.
    base.SESSION_SECRET = randomBytes(32).toString('hex');
  }
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
  const running = new Set<RunningProcess>();
  let standIns: RunningStandIn[] = [];
  // The last resort if the launcher dies: no process of ours outlives it.
  process.on('exit', () => running.forEach((p) => p.kill()));
  let router: LocalRouter | undefined;
  let watch: FolderWatch | undefined;
  let unpublish: (() => void) | undefined;
  const shutDown = async (code: number): Promise<number> => {
    watch?.close();
    await router?.stop();
    await Promise.all([...running].map((p) => p.stop(STOP_TIMEOUT_MS)));
    unpublish?.();
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
  if (standIns.length > 0) {
    try {
      // For one-off commands (npm run migrate), which use these rather than start their own.
      unpublish = publishStandIns(dataDirOf(root, base), standIns);
    } catch (err) {
      out.say(`one-off commands will start stand-ins of their own: ${messageOf(err)}`);
    }
  }
  for (const { service, started } of standIns) {
    void started.lost?.then((what) => {
      if (stopping.signal.aborted) return;
      out.say(
        `${service.name} stopped: ${what}, so nothing answers at ${service.envVar} any more. ` +
          'Stop npm run dev (Ctrl-C) and start it again to get a new one.',
      );
    });
  }

  /** Runs the release command to its end; 'stopped' if Ctrl-C came first. */
  const releasePhase = async (
    type: ProcessType,
  ): Promise<'stopped' | { exit: Exit; advice?: string }> => {
    const command = devCommand(type.command, { watch: false });
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
      { name: type.name, command, env: processEnv(base, attached, undefined), cwd: root },
      watched,
    );
    running.add(proc);
    const exit = await Promise.race([proc.exited, stopped]);
    if (exit === 'stopped') return 'stopped';
    running.delete(proc);
    return advice === undefined ? { exit } : { exit, advice };
  };

  if (release) {
    const result = await releasePhase(release);
    if (result === 'stopped') return shutDown(0);
    if (result.exit.code !== 0) {
      out.say(
        `release ${describeExit(result.exit)}, so nothing else was started.\n` +
          (result.advice ?? 'Fix the error above and run npm run dev again.'),
      );
      return shutDown(1);
    }
  }

  const url = port === undefined ? undefined : `http://localhost:${port}`;
  const instances: Instance[] = [];
  for (const type of types) {
    const named = instanceNames(type);
    for (const [i, name] of named.entries()) {
      const own = type !== web ? undefined : named.length === 1 ? port : await freePort();
      instances.push({
        type,
        name,
        dyno: `${type.name}.${i + 1}`,
        command: devCommand(type.command, { watch: true }),
        ...(own === undefined ? {} : { port: own }),
      });
    }
  }
  const leftOut = procfile.filter((t) => t !== release && !types.includes(t));
  if (leftOut.length > 0) {
    out.say(
      `left out: ${leftOut.map((t) => t.name).join(', ')} (npm run dev without names runs them all)`,
    );
  }
  const webPorts = instances.flatMap((i) =>
    i.type === web && i.port !== undefined ? [i.port] : [],
  );
  const routed = webPorts.length > 1 && port !== undefined && url !== undefined;
  const banner = bannerLines(
    [
      ...(routed
        ? [
            {
              name: 'router',
              command: `to ${instances
                .filter((i) => i.type === web)
                .map((i) => i.name)
                .join(', ')} in turn`,
              url,
            },
          ]
        : []),
      ...instances.map(({ name, command, type, port: own }) => ({
        name,
        command,
        ...(type === web && own !== undefined ? { url: `http://localhost:${own}` } : {}),
      })),
    ],
    bannerStandIns(standIns),
  );
  for (const line of banner) out.say(line);

  // Settles once every process has exited by itself (a restart does not count).
  let allExited: (exits: Exit[]) => void = () => {};
  const exitedAll = new Promise<Exit[]>((resolve) => (allExited = resolve));
  const start = (instance: Instance) => {
    const env = { ...processEnv(base, attached, instance.port), DYNO: instance.dyno };
    const proc = startProcess(
      { name: instance.name, command: instance.command, env, cwd: root },
      out,
    );
    instance.proc = proc;
    delete instance.exit;
    running.add(proc);
    void proc.exited.then((exit) => {
      running.delete(proc);
      if (instance.proc !== proc) return;
      instance.exit = exit;
      if (!stopping.signal.aborted) out.say(`${instance.name} ${describeExit(exit)}`);
      const exits = instances.flatMap((i) => (i.exit ? [i.exit] : []));
      if (exits.length === instances.length) allExited(exits);
    });
  };
  /** Reports when web answers: through the router once every web process does, else web alone. */
  const watchReady = (since?: number) => {
    const host = routed ? '127.0.0.1' : 'localhost';
    const webs = instances.flatMap((i) =>
      i.type === web && i.proc && i.port !== undefined
        ? [{ proc: i.proc, url: `http://${host}:${i.port}` }]
        : [],
    );
    if (url !== undefined && webs.length > 0) {
      void reportReady(url, webs, stopping.signal, out.say, since);
    }
  };
  for (const instance of instances) start(instance);
  if (routed && port !== undefined) {
    try {
      router = await startRouter({ port, targets: webPorts });
    } catch (err) {
      out.say(`the router could not listen on ${port}: ${messageOf(err)}`);
      return shutDown(1);
    }
  }
  watchReady();

  /** As a deploy does: every process stops, and starts again on what the release made. */
  const restart = async () => {
    const since = performance.now();
    const old = instances.flatMap((instance) => {
      const proc = instance.proc;
      delete instance.proc;
      return proc ? [proc] : [];
    });
    await Promise.all(old.map((proc) => proc.stop(STOP_TIMEOUT_MS)));
    if (stopping.signal.aborted) return;
    for (const instance of instances) start(instance);
    watchReady(since);
  };
  const releaseInputs = [...new Set(known.flatMap((service) => service.releaseInputs ?? []))];
  if (release && releaseInputs.length > 0) {
    const names = listed(instances.map((i) => i.name));
    const one = instances.length === 1;
    let releasing = false;
    let again: string | undefined;
    const rerelease = async (what: string) => {
      again = what;
      if (releasing) return;
      releasing = true;
      try {
        while (again !== undefined && !stopping.signal.aborted) {
          out.say(
            `${again}: the release phase runs again, then ${names} ${one ? 'restarts' : 'restart'}, as on a deploy`,
          );
          again = undefined;
          const result = await releasePhase(release);
          if (result === 'stopped' || stopping.signal.aborted) return;
          if (result.exit.code === 0) {
            await restart();
          } else {
            out.say(
              `release ${describeExit(result.exit)}, so ${names} ${one ? 'runs on as it was' : 'run on as they were'}: ` +
                (result.advice ??
                  `fix the error above and save; the release runs again at the next change in ${releaseInputs.map((folder) => `${folder}/`).join(' or ')}`),
            );
          }
        }
      } finally {
        releasing = false;
      }
    };
    watch = watchFolders(root, releaseInputs, (what) => void rerelease(what));
  }

  const outcome = await Promise.race([exitedAll, stopped]);
  if (outcome === 'stopped') return shutDown(0);
  out.say('every process has exited');
  return shutDown(outcome.every((exit) => exit.code === 0) ? 0 : 1);
}

interface Instance {
  readonly type: ProcessType;
  readonly name: string;
  readonly dyno: string;
  readonly command: string;
  readonly port?: number;
  /** The process running now, if one is. */
  proc?: RunningProcess;
  /** How the process running last exited by itself, if it has. */
  exit?: Exit;
}

/** "a", "a and b", "a, b and c". */
function listed(names: readonly string[]): string {
  return names.length < 2
    ? names.join('')
    : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/**
 * Prints how long it took from launch until web first answered /healthz: the dev start time; or, after a
 * restart, how long from `since`.
 */
async function reportReady(
  url: string,
  webs: readonly { proc: RunningProcess; url: string }[],
  stopping: AbortSignal,
  say: (text: string) => void,
  since?: number,
): Promise<void> {
  // Behind the router, every web process must answer: until then some requests would wait on one.
  for (const web of webs) {
    const webGone = new AbortController();
    void web.proc.exited.then(() => webGone.abort());
    const status = await firstAnswer(`${web.url}/healthz`, {
      signal: AbortSignal.any([stopping, webGone.signal]),
      timeoutMs: READY_TIMEOUT_MS,
    });
    // performance.now() counts from the start of this process, so the figure includes the launcher's own.
    const ms = Math.round(performance.now() - (since ?? 0));
    const name = webs.length > 1 ? web.proc.name : 'web';
    if (status !== 200) {
      if (status !== undefined) say(`${name} answers /healthz with ${status} (after ${ms} ms)`);
      else if (!stopping.aborted && !webGone.signal.aborted) {
        say(`${name} did not answer ${web.url}/healthz within ${READY_TIMEOUT_MS / 1000} s`);
      }
      return;
    }
  }
  const ms = Math.round(performance.now() - (since ?? 0));
  say(since === undefined ? `ready in ${ms} ms: ${url}` : `ready again in ${ms} ms: ${url}`);
}
