// Reads the environment once, validates it and returns a frozen config; nothing else reads process.env.
import { randomBytes } from 'node:crypto'; // @step 2+
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

// @step 2+
const postgresUrl = z
  .string()
  .trim()
  .refine((value) => /^postgres(ql)?:\/\/[^/]+/.test(value) && URL.canParse(value), {
    message: 'expected a URL such as postgres://user:password@host:5432/database',
  });
// @end

// @step 3+
const smtpUrl = z
  .string()
  .trim()
  .refine((value) => /^smtps?:\/\/[^/]+/.test(value) && URL.canParse(value), {
    message: 'expected a URL such as smtp://user:password@smtp.example.com:587',
  });

/** The Mailgun add-on sets four variables instead of one URL; they make the same URL. */
function mailgunUrl(env: Env): string | undefined {
  const { MAILGUN_SMTP_SERVER: host, MAILGUN_SMTP_PORT: port, MAILGUN_SMTP_LOGIN: login } = env;
  if (!host) return undefined;
  const auth = login
    ? `${encodeURIComponent(login)}:${encodeURIComponent(env.MAILGUN_SMTP_PASSWORD ?? '')}@`
    : '';
  return `smtp://${auth}${host}:${port ?? '587'}`;
}
// @end

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
  DATABASE_URL: postgresUrl.optional(), // @step 2+
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(5), // @step 2+
  DATABASE_TIMEOUT_MS: z.coerce.number().int().min(100).max(30000).default(5000), // @step 2+
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(), // @step 2+
  // @step 3+
  SMTP_URL: smtpUrl.optional(),
  MAIL_FROM: z
    .string()
    .trim()
    .regex(
      /^([^<>\r\n]+<[^<>\s@]+@[^<>\s@]+>|[^<>\s@]+@[^<>\s@]+)$/,
      'expected "Name <address@example.com>" or an address',
    )
    .optional(),
  PUBLIC_URL: z
    .url({
      protocol: /^https?$/,
      error: "expected the site's address, such as https://example.com",
    })
    .optional(),
  MAIL_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(12),
  MAIL_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(10_000),
  WORKER_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  // @end
});
// #endregion

// Required everywhere or in production only; each gets its own line in the error, with the fix.
const REQUIRED: Array<[name: string, productionOnly: boolean, hint: string]> = [
  ['CAMPAIGN_STARTS_AT', true, 'required in production'],
  ['CAMPAIGN_ENDS_AT', true, 'required in production'],
  // @step 2+
  [
    'DATABASE_URL',
    false,
    'not set: `npm run dev` starts a local Postgres for you; on Heroku, add the Postgres add-on',
  ],
  [
    'SESSION_SECRET',
    true,
    'required in production: heroku config:set SESSION_SECRET=$(openssl rand -hex 32)',
  ],
  // @end
  // @step 3+
  [
    'SMTP_URL',
    false,
    'not set: `npm run dev` starts a local inbox for you; on Heroku, add the Mailgun add-on or set SMTP_URL',
  ],
  ['MAIL_FROM', true, 'required in production, e.g. "Photo Contest <contest@your-domain.example>"'],
  ['PUBLIC_URL', true, "required in production: the site's address, used in links inside emails"],
  // @end
];

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
  present.SMTP_URL ??= mailgunUrl(present); // @step 3+
  const parsed = schema.safeParse(present);
  const production = (present.NODE_ENV ?? 'development') === 'production';
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = issue.path.join('.');
      const got = typeof present[name] === 'string' ? ` (got "${present[name]}")` : '';
      problems.push(`${name}: ${issue.message}${got}`);
    }
  }
  for (const [name, productionOnly, hint] of REQUIRED) {
    if (present[name] === undefined && (production || !productionOnly))
      problems.push(`${name}: ${hint}`);
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;

  // Development gets a campaign that is always running; production must say when it runs.
  const startsAt = e.CAMPAIGN_STARTS_AT ?? new Date(now.getTime() - DAY_MS);
  const endsAt = e.CAMPAIGN_ENDS_AT ?? new Date(now.getTime() + 30 * DAY_MS);
  if (endsAt <= startsAt) {
    throw new ConfigError(['CAMPAIGN_ENDS_AT: must be later than CAMPAIGN_STARTS_AT']);
  }
  // @step 2+
  const databaseUrl = e.DATABASE_URL!;
  // @end

  return deepFreeze({
    env: e.NODE_ENV,
    production,
    port: e.PORT,
    log: { level: e.LOG_LEVEL, pretty: (e.LOG_FORMAT ?? 'json') === 'pretty' },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    campaign: { name: e.CAMPAIGN_NAME, startsAt, endsAt },
    // @step 2+
    database: {
      url: databaseUrl,
      poolMax: e.DATABASE_POOL_MAX,
      timeoutMs: e.DATABASE_TIMEOUT_MS,
      // Heroku Postgres requires TLS with a certificate from its own CA; an sslmode in the URL wins.
      ssl: production && !/[?&]sslmode=/.test(databaseUrl),
    },
    session: {
      // Outside production a fresh secret per start is fine: the memory store forgets sessions anyway.
      secret: e.SESSION_SECRET ?? randomBytes(32).toString('hex'),
      secureCookie: production,
    },
    // @end
    // @step 3+
    mail: {
      smtpUrl: e.SMTP_URL!,
      requireTls: production && e.SMTP_URL!.startsWith('smtp:'),
      from: e.MAIL_FROM ?? `${e.CAMPAIGN_NAME} <no-reply@localhost>`,
      publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
      maxAttempts: e.MAIL_MAX_ATTEMPTS,
      retryBaseMs: e.MAIL_RETRY_BASE_MS,
    },
    worker: { pollMs: e.WORKER_POLL_MS },
    // @end
  });
}

export type Config = ReturnType<typeof loadConfig>;
