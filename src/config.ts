// Reads the environment once. Each feature declares its variables in a config part next to its code;
// each entry point loads only the parts it uses and gets a frozen config, or every problem at once.
import { z } from 'zod';

export type Env = Readonly<Record<string, string | undefined>>;

/** What a part's settings may depend on besides its own variables. */
export interface ConfigContext {
  readonly production: boolean;
  readonly now: Date;
}

export interface ConfigPart<Shape extends z.ZodRawShape = z.ZodRawShape, Settings = unknown> {
  /** The variables this part reads; a schema that is not optional and has no default is required. */
  readonly variables: Shape;
  /** Fills variables from others before validation (an add-on's own names, say). */
  prepare?(env: Env): Env;
  /** What the app uses, made from the valid variables; may throw a ConfigError for a rule across them. */
  settings(values: z.output<z.ZodObject<Shape>>, context: ConfigContext): Settings;
}

/** Declares a feature's part of the config. */
export const configPart = <Shape extends z.ZodRawShape, Settings>(
  part: ConfigPart<Shape, Settings>,
): ConfigPart<Shape, Settings> => part;

const productionHints = new WeakMap<object, string>();

/** A variable production must set (`hint` says how); elsewhere the part's settings give a default. */
export function requiredInProduction<T extends z.ZodType>(schema: T, hint: string) {
  const optional = schema.optional();
  productionHints.set(optional, hint);
  return optional;
}

/** The error option of a required variable's schema: `missing` when unset, else `malformed`. */
export const whenMissing =
  (missing: string, malformed?: string) =>
  (issue: { input?: unknown }): string | undefined =>
    issue.input === undefined ? missing : malformed;

/** Thrown when the environment is unusable; `problems` lists every variable that needs fixing. */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

// What every process reads: where it runs and how it logs.
const core = configPart({
  variables: {
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
    // Heroku names each process: web.1, web.2, worker.1, release.4512, scheduler.2010.
    DYNO: z.string().max(64).optional(),
  },
  settings: (v, { production }) => ({
    env: v.NODE_ENV,
    production,
    dyno: v.DYNO,
    log: { level: v.LOG_LEVEL, pretty: v.LOG_FORMAT === 'pretty', dyno: v.DYNO },
  }),
});

/** The settings a part makes: `SettingsOf<typeof databaseConfig>`. */
export type SettingsOf<P> = P extends ConfigPart<z.ZodRawShape, infer S> ? S : never;
export type Parts = Readonly<Record<string, ConfigPart<z.ZodRawShape, unknown>>>;
export type Config<P extends Parts> = Readonly<
  SettingsOf<typeof core> & { readonly [K in keyof P]: SettingsOf<P[K]> }
>;

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const child of Object.values(value)) {
    if (child !== null && typeof child === 'object' && !Object.isFrozen(child)) deepFreeze(child);
  }
  return Object.freeze(value);
}

// A startup error reaches the logs and the terminal: what looks like a credential is never echoed.
const SECRET_NAME = /PASSWORD|SECRET|TOKEN|(^|_)KEY($|_)|CREDENTIAL/;
const URL_WITH_CREDENTIALS = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*@/i;

/** What a malformed value was, for the error: quoted, or only its length where it may be secret. */
function describeValue(name: string, value: string | undefined): string {
  if (value === undefined) return '';
  if (SECRET_NAME.test(name) || URL_WITH_CREDENTIALS.test(value)) {
    return ` (got ${value.length} characters, not shown)`;
  }
  return ` (got "${value}")`;
}

/** Validates `env` against the core and the given parts, or throws a ConfigError naming every problem. */
export function loadConfig<P extends Parts>(env: Env, parts: P, now: Date = new Date()): Config<P> {
  // Empty strings count as unset, so `FOO=` in .env behaves like a missing line.
  let present: Env = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const all: Array<[string, ConfigPart]> = [['', core], ...Object.entries(parts)];
  for (const [, part] of all) if (part.prepare) present = { ...part.prepare(present), ...present };

  const variables: Record<string, z.core.$ZodType> = {};
  for (const [name, part] of all) {
    for (const [variable, schema] of Object.entries(part.variables)) {
      if (variables[variable] !== undefined && variables[variable] !== schema) {
        throw new Error(`config part "${name}" declares ${variable} again with another schema`);
      }
      variables[variable] = schema;
    }
  }
  const production = present.NODE_ENV === 'production';
  const problems: string[] = [];
  const parsed = z.object(variables).safeParse(present);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = issue.path.join('.');
      const got = describeValue(name, present[name]);
      problems.push(`${name}: ${issue.message}${got}`);
    }
  }
  if (production) {
    for (const [name, schema] of Object.entries(variables)) {
      const hint = productionHints.get(schema);
      if (hint !== undefined && present[name] === undefined) problems.push(`${name}: ${hint}`);
    }
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);

  const context: ConfigContext = { production, now };
  const settings: Record<string, unknown> = {};
  for (const [name, part] of all) {
    try {
      const value = part.settings(parsed.data, context);
      if (name === '') Object.assign(settings, value);
      else settings[name] = value;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(settings) as Config<P>;
}
