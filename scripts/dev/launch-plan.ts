// What an `npm run dev` will run, worked out from its inputs alone, before anything starts.
import { bannerLines, type BannerStandIn } from './banner.ts';
import { devCommand } from './command.ts';
import { baseEnv, processEnv, webPort, type Env } from './env.ts';
import {
  parseProcfile,
  ProcessTypeError,
  ProcfileError,
  RELEASE,
  selectProcessTypes,
  type ProcessType,
} from './procfile.ts';
import { standInsNeeded, type StandIn } from './stand-ins.ts';

/** What the plan needs to know of a stand-in: the rest is about running it. */
export type KnownStandIn = Pick<StandIn, 'name' | 'envVar' | 'alsoSetBy' | 'releaseInputs'>;

export interface PlanInput {
  /** The Procfile's text. */
  readonly procfile: string;
  /** The real environment. */
  readonly env: Env;
  /** The variables of .env; undefined when there is none, or it was not read. */
  readonly dotenv: Env | undefined;
  /** The process types named on the command line; none means all but release. */
  readonly names: readonly string[];
  /** Processes per type; one when unnamed. */
  readonly scale: Readonly<Record<string, number>>;
  /** Stand-ins not to start, by name. */
  readonly without: readonly string[];
  /** Every stand-in this project has, in the banner's order. */
  readonly known: readonly KnownStandIn[];
  /** Whether the launcher writes in colour. */
  readonly colour: boolean;
  /** The SESSION_SECRET that several web processes share, used only if nothing else sets one. */
  readonly sessionSecret: string;
}

export interface PlannedInstance {
  /** Its process type: "web". */
  readonly type: string;
  /** Its name in the output: the type, or "web.1", "web.2"… when the type is scaled. */
  readonly name: string;
  /** DYNO, as Heroku sets it: "web.1". */
  readonly dyno: string;
  /** The command it runs, reloading on change. */
  readonly command: string;
  /** web's port: PORT itself when one web runs; "free" when several do, each then on a free port of its own. */
  readonly port?: number | 'free';
}

/** A planned instance once its port is chosen. */
export type PlacedInstance = Omit<PlannedInstance, 'port'> & { readonly port?: number };

export interface LaunchPlan {
  readonly ok: true;
  /** Every name that will write output, so the column is as wide as the longest from the first line. */
  readonly names: readonly string[];
  /** What the launcher says before anything starts. */
  readonly notes: readonly string[];
  /** The environment of every process, before the stand-ins' variables and each one's PORT and DYNO. */
  readonly env: Readonly<Record<string, string>>;
  /** Where web is reached, when web runs. */
  readonly port?: number;
  /** The stand-ins to start, by name: those of services that no variable configures. */
  readonly standIns: readonly string[];
  /** The release phase, run once before the processes start, and again when one of its inputs changes. */
  readonly release?: { readonly command: string; readonly inputs: readonly string[] };
  readonly instances: readonly PlannedInstance[];
  /** Said after the release: which process types this run leaves out. */
  readonly leftOut?: string;
  /** Several web processes take turns behind one router on `port`. */
  readonly router?: { readonly port: number; readonly to: readonly string[] };
}

/** Why nothing will run, and what to say before saying so. */
export interface PlanProblem {
  readonly ok: false;
  readonly names: readonly string[];
  readonly notes: readonly string[];
  readonly problem: string;
}

/** The problem of a Procfile that cannot be read or parsed. */
export function procfileProblem(detail: string): PlanProblem {
  return { ok: false, names: [], notes: [], problem: `cannot read the Procfile:\n${detail}` };
}

/** What `npm run dev` will run given `input`, or the first problem that stops it. */
export function planLaunch(input: PlanInput): LaunchPlan | PlanProblem {
  const { scale, without, known } = input;
  let procfile: ProcessType[];
  try {
    procfile = parseProcfile(input.procfile);
  } catch (err) {
    if (!(err instanceof ProcfileError)) throw err;
    return procfileProblem(err.problems.join('\n'));
  }
  const names = [...procfile.flatMap((type) => instanceNames(type.name, scale)), 'router'];
  const notes: string[] = [];
  const problem = (text: string): PlanProblem => ({ ok: false, names, notes, problem: text });

  const release = procfile.find((t) => t.name === RELEASE);
  if (procfile.every((t) => t === release)) {
    return problem('the Procfile has no process type to run besides release');
  }
  let types: ProcessType[];
  try {
    types = selectProcessTypes(procfile, input.names);
  } catch (err) {
    if (!(err instanceof ProcessTypeError)) throw err;
    return problem(err.message);
  }
  const unscalable = Object.keys(scale).filter((name) => !types.some((t) => t.name === name));
  if (unscalable.length > 0) {
    return problem(
      `--scale names ${unscalable.join(', ')}, which this run does not start: ${types.map((t) => t.name).join(', ')}`,
    );
  }
  const unknownStandIns = without.filter((name) => !known.some((s) => s.name === name));
  if (unknownStandIns.length > 0) {
    return problem(
      `--without ${unknownStandIns.join(', ')}: no such stand-in (there are ${known.map((s) => s.name).join(', ') || 'none'})`,
    );
  }
  for (const service of known.filter((s) => without.includes(s.name))) {
    notes.push(
      `${service.name}: not started (--without ${service.name}), so ${service.envVar} stays unset`,
    );
  }

  const { env: base, note } = baseEnv(input.env, input.dotenv);
  const webCount = scale.web ?? 1;
  if (webCount > 1 && base.SESSION_SECRET === undefined) {
    // Every dyno of an app reads the same config: a cookie one process signs, the others must accept.
    base.SESSION_SECRET = input.sessionSecret;
  }
  // The children write to a pipe, not a terminal: tell their loggers to colour anyway when we do.
  if (input.colour && base.FORCE_COLOR === undefined && base.NO_COLOR === undefined) {
    base.FORCE_COLOR = '1';
  }
  notes.push(note);

  const web = types.find((t) => t.name === 'web');
  let port: number | undefined;
  if (web) {
    try {
      port = webPort(base);
    } catch (err) {
      return problem((err as Error).message);
    }
  }

  const instances = types.flatMap((type) => {
    const named = instanceNames(type.name, scale);
    return named.map((name, i): PlannedInstance => {
      const own = type !== web ? undefined : named.length === 1 ? port : 'free';
      return {
        type: type.name,
        name,
        dyno: `${type.name}.${i + 1}`,
        command: devCommand(type.command, { watch: true }),
        ...(own === undefined ? {} : { port: own }),
      };
    });
  });
  const leftOut = procfile.filter((t) => t !== release && !types.includes(t));
  const routed = instances.filter((i) => i.port === 'free');
  const releaseInputs = [...new Set(known.flatMap((service) => service.releaseInputs ?? []))];
  const enabled = known.filter((service) => !without.includes(service.name));
  return {
    ok: true,
    names,
    notes,
    env: base,
    ...(port === undefined ? {} : { port }),
    standIns: standInsNeeded(enabled, base).map((service) => service.name),
    ...(release
      ? {
          release: {
            command: devCommand(release.command, { watch: false }),
            inputs: releaseInputs,
          },
        }
      : {}),
    instances,
    ...(leftOut.length > 0
      ? {
          leftOut: `left out: ${leftOut.map((t) => t.name).join(', ')} (npm run dev without names runs them all)`,
        }
      : {}),
    ...(port !== undefined && routed.length > 1
      ? { router: { port, to: routed.map((i) => i.name) } }
      : {}),
  };
}

/** The names of a type's processes: "web" alone, or "web.1", "web.2"… when scaled. */
function instanceNames(type: string, scale: Readonly<Record<string, number>>): string[] {
  const count = scale[type] ?? 1;
  return count === 1 ? [type] : Array.from({ length: count }, (_, i) => `${type}.${i + 1}`);
}

/** The environment of one instance: the plan's, the stand-ins' variables, its PORT if any, its DYNO. */
export function instanceEnv(
  plan: LaunchPlan,
  standIns: Readonly<Record<string, string>>,
  instance: PlacedInstance,
): Record<string, string> {
  return { ...processEnv(plan.env, standIns, instance.port), DYNO: instance.dyno };
}

/** The banner, once the instances' ports are chosen and the stand-ins started. */
export function launchBanner(
  plan: LaunchPlan,
  instances: readonly PlacedInstance[],
  standIns: readonly BannerStandIn[],
): string[] {
  const router = plan.router
    ? [
        {
          name: 'router',
          command: `to ${plan.router.to.join(', ')} in turn`,
          url: `http://localhost:${plan.router.port}`,
        },
      ]
    : [];
  const processes = instances.map(({ name, command, port }) => ({
    name,
    command,
    ...(port === undefined ? {} : { url: `http://localhost:${port}` }),
  }));
  return bannerLines([...router, ...processes], standIns);
}
