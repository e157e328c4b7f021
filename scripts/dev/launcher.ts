// The dev launcher: runs the Procfile like `heroku local`, with stand-ins for backing services not set.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { messageOf } from '../../src/platform/errors.ts';
import { bannerStandIns } from './banner.ts';
import { publishStandIns } from './dev-state.ts';
import { processEnv, projectDotenv, type Env } from './env.ts';
import { watchFolders, type FolderWatch } from './folder-watch.ts';
import {
  instanceEnv,
  launchBanner,
  planLaunch,
  procfileProblem,
  type LaunchPlan,
  type PlacedInstance,
  type PlannedInstance,
  type PlanProblem,
} from './launch-plan.ts';
import { createOutput, type Output } from './output.ts';
import { RELEASE } from './procfile.ts';
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
  const { root, stdout } = options;
  const known = options.registry ?? Object.values(services);
  const colour = Boolean(stdout.isTTY) && stdout.hasColors();
  const planned = readPlan(options, known, colour);
  const out = createOutput({ names: planned.names, colour, write: (c) => void stdout.write(c) });
  for (const note of planned.notes) out.say(note);
  if (!planned.ok) {
    out.say(planned.problem);
    return 1;
  }
  const plan = planned;
  // Else the app fails to listen while the readiness check below gets its answer from the other server.
  if (plan.port !== undefined && (await portInUse(plan.port))) {
    out.say(`port ${plan.port} is in use (another npm run dev?): stop that, or set PORT in .env`);
    return 1;
  }

  const run = beginRun(root, plan, out);
  try {
    await attachStandIns(
      run,
      known.filter((service) => plan.standIns.includes(service.name)),
    );
  } catch (err) {
    out.say(messageOf(err));
    return 1;
  }
  if (run.stopping.aborted) return shutDown(run, 0);
  if (plan.release) {
    const result = await releasePhase(run, plan.release.command);
    if (result === 'stopped') return shutDown(run, 0);
    if (result.exit.code !== 0) {
      out.say(
        `release ${describeExit(result.exit)}, so nothing else was started.\n` +
          (result.advice ?? 'Fix the error above and run npm run dev again.'),
      );
      return shutDown(run, 1);
    }
  }

  const instances = await placeInstances(plan.instances);
  if (plan.leftOut !== undefined) out.say(plan.leftOut);
  for (const line of launchBanner(plan, instances, bannerStandIns(run.standIns))) out.say(line);
  const group = startInstances(run, instances);
  if (plan.router) {
    const targets = instances.flatMap((i) => (i.port === undefined ? [] : [i.port]));
    try {
      run.router = await startRouter({ port: plan.router.port, targets });
    } catch (err) {
      out.say(`the router could not listen on ${plan.router.port}: ${messageOf(err)}`);
      return shutDown(run, 1);
    }
  }
  watchReady(run, instances);
  if (plan.release && plan.release.inputs.length > 0) {
    run.watch = releaseOnChange(run, plan.release, instances, group.restart);
  }

  const outcome = await Promise.race([group.exitedAll, run.stopped]);
  if (outcome === 'stopped') return shutDown(run, 0);
  out.say('every process has exited');
  return shutDown(run, outcome.every((exit) => exit.code === 0) ? 0 : 1);
}

/** The plan of this launch, from the Procfile and .env in `root`. */
function readPlan(
  options: LaunchOptions,
  known: readonly StandIn[],
  colour: boolean,
): LaunchPlan | PlanProblem {
  let procfile: string;
  try {
    procfile = readFileSync(path.join(options.root, 'Procfile'), 'utf8');
  } catch (err) {
    return procfileProblem(messageOf(err));
  }
  return planLaunch({
    procfile,
    env: options.env,
    dotenv: projectDotenv(options.root, options.env),
    names: options.names ?? [],
    scale: options.scale ?? {},
    without: options.without ?? [],
    known,
    colour,
    sessionSecret: randomBytes(32).toString('hex'),
  });
}

/** A launch under way: what it has started, and so must stop. */
interface Run {
  readonly root: string;
  readonly plan: LaunchPlan;
  readonly out: Output;
  /** Aborted by Ctrl-C (SIGINT), SIGTERM or SIGHUP. */
  readonly stopping: AbortSignal;
  /** Settles when `stopping` is aborted. */
  readonly stopped: Promise<'stopped'>;
  readonly running: Set<RunningProcess>;
  standIns: RunningStandIn[];
  /** The variables the stand-ins hand to every process. */
  attached: Record<string, string>;
  router?: LocalRouter;
  watch?: FolderWatch;
  unpublish?: () => void;
}

/** From here on there is something to stop: on a signal, and if the launcher dies. */
function beginRun(root: string, plan: LaunchPlan, out: Output): Run {
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
  // The last resort if the launcher dies: no process of ours outlives it.
  process.on('exit', () => running.forEach((p) => p.kill()));
  return {
    root,
    plan,
    out,
    stopping: stopping.signal,
    stopped,
    running,
    standIns: [],
    attached: {},
  };
}

async function shutDown(run: Run, code: number): Promise<number> {
  run.watch?.close();
  await run.router?.stop();
  await Promise.all([...run.running].map((p) => p.stop(STOP_TIMEOUT_MS)));
  run.unpublish?.();
  await stopStandIns(run.standIns, run.out.say);
  run.out.say('stopped');
  return code;
}

/** Starts the stand-ins the plan needs (those this machine can run), and tells what they offer. */
async function attachStandIns(run: Run, needed: readonly StandIn[]): Promise<void> {
  const { out } = run;
  run.standIns = await startNeededStandIns(needed, run.root, run.plan.env, out.say);
  run.attached = standInEnv(run.standIns);
  if (run.stopping.aborted) return;
  if (run.standIns.length > 0) {
    try {
      // For one-off commands (npm run migrate), which use these rather than start their own.
      run.unpublish = publishStandIns(dataDirOf(run.root, run.plan.env), run.standIns);
    } catch (err) {
      out.say(`one-off commands will start stand-ins of their own: ${messageOf(err)}`);
    }
  }
  for (const { service, started } of run.standIns) {
    void started.lost?.then((what) => {
      if (run.stopping.aborted) return;
      out.say(
        `${service.name} stopped: ${what}, so nothing answers at ${service.envVar} any more. ` +
          'Stop npm run dev (Ctrl-C) and start it again to get a new one.',
      );
    });
  }
}

/** Runs the release command to its end; 'stopped' if Ctrl-C came first. */
async function releasePhase(
  run: Run,
  command: string,
): Promise<'stopped' | { exit: Exit; advice?: string }> {
  const { out } = run;
  out.say(`release phase: ${command}`);
  let advice: string | undefined;
  const watched = {
    ...out,
    line(name: string, text: string) {
      for (const { started } of run.standIns) advice ??= started.adviceFor?.(text);
      out.line(name, text);
    },
  };
  const env = processEnv(run.plan.env, run.attached, undefined);
  const proc = startProcess({ name: RELEASE, command, env, cwd: run.root }, watched);
  run.running.add(proc);
  const exit = await Promise.race([proc.exited, run.stopped]);
  if (exit === 'stopped') return 'stopped';
  run.running.delete(proc);
  return advice === undefined ? { exit } : { exit, advice };
}

/** The planned instances, each web on a port of its own when several share PORT. */
async function placeInstances(planned: readonly PlannedInstance[]): Promise<Instance[]> {
  const instances: Instance[] = [];
  for (const { port, ...instance } of planned) {
    const own = port === 'free' ? await freePort() : port;
    instances.push({ ...instance, ...(own === undefined ? {} : { port: own }) });
  }
  return instances;
}

/**
 * Starts every instance. `exitedAll` settles once every process has exited by itself (a restart does not
 * count); `restart` stops them all and starts them again, resolving to false if Ctrl-C came meanwhile.
 */
function startInstances(
  run: Run,
  instances: readonly Instance[],
): { exitedAll: Promise<Exit[]>; restart: () => Promise<boolean> } {
  let allExited: (exits: Exit[]) => void = () => {};
  const exitedAll = new Promise<Exit[]>((resolve) => (allExited = resolve));
  const start = (instance: Instance) => {
    const env = instanceEnv(run.plan, run.attached, instance);
    const proc = startProcess(
      { name: instance.name, command: instance.command, env, cwd: run.root },
      run.out,
    );
    instance.proc = proc;
    delete instance.exit;
    run.running.add(proc);
    void proc.exited.then((exit) => {
      run.running.delete(proc);
      if (instance.proc !== proc) return;
      instance.exit = exit;
      if (!run.stopping.aborted) run.out.say(`${instance.name} ${describeExit(exit)}`);
      const exits = instances.flatMap((i) => (i.exit ? [i.exit] : []));
      if (exits.length === instances.length) allExited(exits);
    });
  };
  const restart = async () => {
    const old = instances.flatMap((instance) => {
      const proc = instance.proc;
      delete instance.proc;
      return proc ? [proc] : [];
    });
    await Promise.all(old.map((proc) => proc.stop(STOP_TIMEOUT_MS)));
    if (run.stopping.aborted) return false;
    for (const instance of instances) start(instance);
    return true;
  };
  for (const instance of instances) start(instance);
  return { exitedAll, restart };
}

/** Reports when web answers: through the router once every web process does, else web alone. */
function watchReady(run: Run, instances: readonly Instance[], since?: number): void {
  const { port, router } = run.plan;
  const host = router ? '127.0.0.1' : 'localhost';
  const webs = instances.flatMap((i) =>
    i.proc && i.port !== undefined ? [{ proc: i.proc, url: `http://${host}:${i.port}` }] : [],
  );
  if (port !== undefined && webs.length > 0) {
    void reportReady(`http://localhost:${port}`, webs, run.stopping, run.out.say, since);
  }
}

/**
 * Runs the release phase again at every change in its inputs, then restarts every process on what it
 * made, as a deploy does; a failed release leaves them running as they were.
 */
function releaseOnChange(
  run: Run,
  release: NonNullable<LaunchPlan['release']>,
  instances: readonly Instance[],
  restart: () => Promise<boolean>,
): FolderWatch {
  const { out, stopping } = run;
  const names = listed(instances.map((i) => i.name));
  const one = instances.length === 1;
  let releasing = false;
  let again: string | undefined;
  const rerelease = async (what: string) => {
    again = what;
    if (releasing) return;
    releasing = true;
    try {
      while (again !== undefined && !stopping.aborted) {
        out.say(
          `${again}: the release phase runs again, then ${names} ${one ? 'restarts' : 'restart'}, as on a deploy`,
        );
        again = undefined;
        const result = await releasePhase(run, release.command);
        if (result === 'stopped' || stopping.aborted) return;
        if (result.exit.code === 0) {
          const since = performance.now();
          if (await restart()) watchReady(run, instances, since);
        } else {
          out.say(
            `release ${describeExit(result.exit)}, so ${names} ${one ? 'runs on as it was' : 'run on as they were'}: ` +
              (result.advice ??
                `fix the error above and save; the release runs again at the next change in ${release.inputs.map((folder) => `${folder}/`).join(' or ')}`),
          );
        }
      }
    } finally {
      releasing = false;
    }
  };
  return watchFolders(run.root, release.inputs, (what) => void rerelease(what));
}

/** A planned instance as it runs. */
interface Instance extends PlacedInstance {
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
