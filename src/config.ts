// Reads the environment once, validates it and returns a frozen config; nothing else reads process.env.
import { z } from 'zod';

const DAY_MS = 24 * 60 * 60 * 1000;

const isoInstant = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/, {
    message: 'expected an ISO 8601 date such as 2026-12-01 or 2026-12-01T09:00:00Z',
  })
  // Date rolls 2026-02-30 over to March 2, so the calendar date must survive the round trip.
  .refine((value) => {
    const day = value.slice(0, 10);
    const calendar = new Date(`${day}T00:00:00Z`);
    return (
      !Number.isNaN(new Date(value).getTime()) &&
      !Number.isNaN(calendar.getTime()) &&
      calendar.toISOString().slice(0, 10) === day
    );
  }, 'is not a real calendar date')
  .transform((value) => new Date(value));

// #region schema
const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000).max(28000).default(25000),
  CAMPAIGN_NAME: z.string().trim().min(1).max(80).default('Winter Photo Contest'),
  CAMPAIGN_STARTS_AT: isoInstant.optional(),
  CAMPAIGN_ENDS_AT: isoInstant.optional(),
});
// #endregion

type Env = Record<string, string | undefined>;

/** Thrown when the environment is unusable; `problems` lists every variable that needs fixing. */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const child of Object.values(value)) {
    if (child !== null && typeof child === 'object' && !Object.isFrozen(child)) deepFreeze(child);
  }
  return Object.freeze(value);
}

/** Validates `env` and returns the app's config, or throws a ConfigError naming every problem. */
export function loadConfig(env: Env, now: Date = new Date()) {
  // Empty strings count as unset, so `FOO=` in .env behaves like a missing line.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = schema.safeParse(present);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = issue.path.join('.');
      const got = typeof present[name] === 'string' ? ` (got "${present[name]}")` : '';
      problems.push(`${name}: ${issue.message}${got}`);
    }
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';

  // Development gets a campaign that is always running; production must say when it runs.
  const startsAt =
    e.CAMPAIGN_STARTS_AT ?? (production ? undefined : new Date(now.getTime() - DAY_MS));
  const endsAt =
    e.CAMPAIGN_ENDS_AT ?? (production ? undefined : new Date(now.getTime() + 30 * DAY_MS));
  if (!startsAt) problems.push('CAMPAIGN_STARTS_AT: required in production');
  if (!endsAt) problems.push('CAMPAIGN_ENDS_AT: required in production');
  if (startsAt && endsAt && endsAt <= startsAt) {
    problems.push('CAMPAIGN_ENDS_AT: must be later than CAMPAIGN_STARTS_AT');
  }
  if (problems.length > 0 || !startsAt || !endsAt) throw new ConfigError(problems);

  return deepFreeze({
    env: e.NODE_ENV,
    production,
    port: e.PORT,
    log: { level: e.LOG_LEVEL, pretty: (e.LOG_FORMAT ?? 'json') === 'pretty' },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    campaign: { name: e.CAMPAIGN_NAME, startsAt, endsAt },
  });
}

export type Config = ReturnType<typeof loadConfig>;
