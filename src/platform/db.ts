// The Postgres connection pool (knex over pg), its health check, and how an outage is recognised.
import knex, { type Knex } from 'knex';
import type { BackingServices } from './backing-services.ts';
import type { SettingsOf } from '../config.ts';
import type { databaseConfig } from './db.config.ts';
import { messageOf } from './errors.ts';
import type { Logger } from './logger.ts';
import { StartupError } from './startup.ts';

export type Db = Knex;
export type DatabaseSettings = SettingsOf<typeof databaseConfig>;

/**
 * Opens the pool and registers it with the process's backing services: checked before the process
 * says it is up, pinged by /healthz, its outages answered with 503s, and closed at shutdown.
 */
export function openDatabase(
  database: DatabaseSettings,
  logger: Logger,
  services: BackingServices,
): Db {
  const db = createDb(database, logger);
  // Said once a table, not with every failed query: what is missing, and what to run.
  const told = new Set<string>();
  db.on('query-error', (err: unknown) => {
    const table = missingTable(err);
    if (table === undefined || told.has(table)) return;
    told.add(table);
    logger.error({ table }, migrationsNotRun(table));
  });
  services.add({
    name: 'database',
    check: () => pingDb(db),
    unreachable: (err) => unreachable(database.url, err),
    describeOutage: (err) => {
      if (isDatabaseUnavailable(err)) {
        return 'Our database is not answering right now. Please try again in a minute.';
      }
      if (missingTable(err) !== undefined) {
        return 'The site is still being set up. Please try again in a few minutes.';
      }
      return undefined;
    },
    close: () => db.destroy(),
  });
  return db;
}

export function createDb(database: DatabaseSettings, logger: Logger): Db {
  const log = (level: 'warn' | 'error' | 'debug') => (message: unknown) =>
    logger[level](
      { detail: message instanceof Error ? message.message : message },
      'database driver',
    );
  return knex({
    // knex writes to the console by default; its messages belong in the log stream with the rest.
    log: { warn: log('warn'), error: log('error'), deprecate: log('warn'), debug: log('debug') },
    client: 'pg',
    connection: connectionOf(database),
    ...poolOf(database),
  });
}

/** How each connection is made: TLS where the URL's host wants it, deadlines, and keep-alive. */
function connectionOf(database: DatabaseSettings): Knex.PgConnectionConfig {
  const deadline = database.queryTimeoutMs;
  return {
    connectionString: database.url,
    ...(database.ssl ? { ssl: { rejectUnauthorized: false } } : {}),
    connectionTimeoutMillis: database.timeoutMs,
    // Postgres cancels a statement at the deadline; the client stops waiting soon after, when the
    // database cannot even say so (it hangs, or is PGlite, which ignores statement_timeout).
    ...(deadline > 0 ? { statement_timeout: deadline, query_timeout: deadline + 500 } : {}),
    // The system then notices a server that vanished under an idle connection or a long migration.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
}

/** How many connections are kept, which may be handed out, and how long a request waits for one. */
function poolOf(
  database: DatabaseSettings,
): Pick<Knex.Config, 'pool' | 'acquireConnectionTimeout'> {
  return {
    // min 0: no idle connections held open, so a restarted database costs nothing to reconnect to.
    // A connection whose query timed out still waits for its answer: a fresh one is made instead.
    pool: { min: 0, max: database.poolMax, validate: (c: Ready) => c.readyForQuery !== false },
    // Fail a request within seconds when the database is gone, instead of knex's default minute.
    acquireConnectionTimeout: database.timeoutMs,
  };
}

/** What pg's client says of itself: false while a query is out (a timed-out one stays out). */
type Ready = { readyForQuery?: boolean };

export async function pingDb(db: Db): Promise<void> {
  await db.raw('select 1');
}

/** Where DATABASE_URL points, without the password, for messages. */
export function describeDatabase(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
}

/** Checks the database answers before the process says it is up; a clear error otherwise. */
export async function assertDbReachable(db: Db, url: string): Promise<void> {
  try {
    await pingDb(db);
  } catch (err) {
    await db.destroy();
    throw unreachable(url, err);
  }
}

function unreachable(url: string, err: unknown): StartupError {
  return new StartupError(
    `cannot reach the database at ${describeDatabase(url)}: ${reasonOf(err)}`,
    'Check DATABASE_URL (heroku config:get DATABASE_URL), or run `npm run dev`, which starts a local one.',
    { cause: err },
  );
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000', // connection_exception
  '08003', // connection_does_not_exist
  '08006', // connection_failure
  '53300', // too_many_connections
  '57014', // query_canceled: our statement_timeout
]);

/** True when an error means "the database is not there right now" rather than a bug. */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'KnexTimeoutError') return true;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  if (
    /Connection terminated|connection timeout|timeout exceeded when trying to connect/i.test(
      err.message,
    ) ||
    // pg's own words when it gives up connecting, or on a query past query_timeout (after which
    // knex puts the SQL before the message).
    /(^| - )(timeout expired|Query read timeout)$/.test(err.message)
  ) {
    return true;
  }
  return err.cause !== undefined && isDatabaseUnavailable(err.cause);
}

/** The table a query found missing (Postgres 42P01, undefined_table); undefined for any other error. */
export function missingTable(err: unknown): string | undefined {
  if (!(err instanceof Error) || (err as { code?: unknown }).code !== '42P01') return undefined;
  return /relation "([^"]+)" does not exist/.exec(err.message)?.[1] ?? 'a table';
}

/** The operator's line for a missing table: the schema is behind the code. */
export function migrationsNotRun(table: string): string {
  return (
    `the ${table} table does not exist: the migrations (the Procfile's release line) have not run ` +
    'on this database. Run `npm run migrate`; with `heroku local`, which skips the release line, ' +
    'run `npm run build` then `heroku local release` first; on Heroku, ' +
    '`heroku run node dist/src/migrate.js`.'
  );
}

/** Why the database did not answer at start. */
function reasonOf(err: unknown): string {
  // knex's own text for this suggests a pool leak; at startup it only means "no answer in time".
  if (err instanceof Error && err.name === 'KnexTimeoutError') return 'no answer in time';
  return messageOf(err);
}
