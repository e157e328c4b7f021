// Stand-in backing services: what one is, and starting and stopping those whose URL is not set.
import path from 'node:path';
import { messageOf } from '../../src/platform/errors.ts';
import { isSet, type Env } from './env.ts';

/**
 * Where stand-ins keep their data: DEV_DATA_DIR (from the environment or .env; relative to the project)
 * when set, else .data/. Tests point it to a temporary folder so that they never touch a developer's data.
 */
export function dataDirOf(root: string, env: Env): string {
  const configured = env.DEV_DATA_DIR;
  return path.resolve(root, configured !== undefined && configured !== '' ? configured : '.data');
}

export interface StandInContext {
  /** The project directory. */
  readonly root: string;
  /** Where a stand-in keeps data between runs (.data/, ignored by git). */
  readonly dataDir: string;
  /** The assembled environment, for settings such as a preferred port. */
  readonly env: Env;
}

export interface StartedStandIn {
  /** Handed to every process as the stand-in's env var, exactly as a Heroku add-on sets its URL. */
  readonly url: string;
  /** More variables that go with the URL (credentials, a bucket name); they win over .env. */
  readonly env?: Readonly<Record<string, string>>;
  /** Shown in the banner, e.g. where the data lives or a web inbox. */
  readonly info?: string;
  /** What to do when the release phase failed with this line of output, if the stand-in knows. */
  adviceFor?(line: string): string | undefined;
  /** Settles, saying how, if the service ends by itself (a crash, a kill) rather than by stop(). */
  readonly lost?: Promise<string>;
  stop(): Promise<void>;
}

export interface StandIn {
  /** Short, shown in the banner: "postgres". */
  readonly name: string;
  /** The variable whose absence calls for this stand-in: "DATABASE_URL". */
  readonly envVar: string;
  /** Other variables that configure the same service (an add-on's own names): set, no stand-in. */
  readonly alsoSetBy?: readonly string[];
  /**
   * Folders of the project that the release phase applies to this service, such as migrations/: a change
   * there runs the release again, as the next deploy would, whether the stand-in or your own serves it.
   */
  readonly releaseInputs?: readonly string[];
  /**
   * Why the service cannot be started on this machine, for a service the app can do without in
   * development (it then keeps things in memory); undefined when it can. The launcher prints the reason.
   */
  whyUnavailable?(): Promise<string | undefined>;
  /** Starts the service; heavy packages are best imported here, so a configured URL never loads them. */
  start(context: StandInContext): Promise<StartedStandIn>;
}

export interface RunningStandIn {
  readonly service: StandIn;
  readonly started: StartedStandIn;
}

/** The stand-ins needed: those whose service no variable configures. */
export function standInsNeeded<T extends Pick<StandIn, 'envVar' | 'alsoSetBy'>>(
  registry: readonly T[],
  env: Env,
): T[] {
  return registry.filter(
    (service) => ![service.envVar, ...(service.alsoSetBy ?? [])].some((name) => isSet(env, name)),
  );
}

/** The variables the running stand-ins hand to every process. */
export function standInEnv(running: readonly RunningStandIn[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { service, started } of running) {
    Object.assign(env, { [service.envVar]: started.url }, started.env);
  }
  return env;
}

/** Stops stand-ins in reverse order of the list; a failure is reported, not thrown. */
export async function stopStandIns(
  running: readonly RunningStandIn[],
  report: (message: string) => void,
): Promise<void> {
  for (const { service, started } of [...running].reverse()) {
    try {
      await started.stop();
    } catch (err) {
      report(`${service.name} did not stop cleanly: ${messageOf(err)}`);
    }
  }
}

/** Thrown when a stand-in cannot start; the others have been stopped by then. */
export class StandInError extends Error {
  constructor(service: StandIn, cause: unknown) {
    super(
      `${service.name} (for ${service.envVar}) did not start: ` +
        `${messageOf(cause)}\n` +
        `Set ${service.envVar} in .env to use a service of your own instead.`,
      { cause },
    );
    this.name = 'StandInError';
  }
}

/**
 * Starts the stand-ins for every variable that `env` leaves unset, with their data in the data folder;
 * one that cannot run on this machine, and may be done without, is left out with its reason reported.
 */
export async function startNeededStandIns(
  registry: readonly StandIn[],
  root: string,
  env: Env,
  report: (message: string) => void,
): Promise<RunningStandIn[]> {
  const needed: StandIn[] = [];
  for (const service of standInsNeeded(registry, env)) {
    const reason = await service.whyUnavailable?.();
    if (reason === undefined) needed.push(service);
    else report(`${service.name}: not started, ${service.envVar} stays unset: ${reason}`);
  }
  return startStandIns(needed, { root, dataDir: dataDirOf(root, env), env }, report);
}

/** Starts the given stand-ins side by side; if one fails, stops those that started and throws. */
export async function startStandIns(
  services: readonly StandIn[],
  context: StandInContext,
  report: (message: string) => void,
): Promise<RunningStandIn[]> {
  const results = await Promise.allSettled(services.map((service) => service.start(context)));
  const running: RunningStandIn[] = [];
  let failure: StandInError | undefined;
  results.forEach((result, i) => {
    const service = services[i];
    if (!service) return;
    if (result.status === 'fulfilled') {
      running.push({ service, started: result.value });
    } else {
      failure ??= new StandInError(service, result.reason);
    }
  });
  if (failure) {
    await stopStandIns(running, report);
    throw failure;
  }
  return running;
}
