// The backing services a benchmark run needs, all real and all local: Postgres (a fresh database in
// the server at TEST_DATABASE_URL, or PGlite), Redis (TEST_REDIS_URL under a key prefix of its own,
// or a private redis-server), the local S3 server and the SMTP sink. `env` is what the production
// build needs to reach them.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import knex from 'knex';
import { createClient } from 'redis';
import {
  startLocalRedis,
  startLocalS3,
  startPgliteServer,
  startSmtpSink,
} from '../../scripts/dev/index.ts';

export interface BenchServices {
  /** The variables a production process needs, besides PORT. */
  readonly env: Readonly<Record<string, string>>;
  /** One line per service, for the report: what the figures were measured against. */
  readonly described: readonly string[];
  /** A folder for this run's logs and files, removed by stop(). */
  readonly scratch: string;
  stop(): Promise<void>;
}

type Say = (line: string) => void;

export async function startBenchServices(say: Say): Promise<BenchServices> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'campaign-bench-'));
  const stops: Array<() => Promise<unknown>> = [
    () => rm(scratch, { recursive: true, force: true }),
  ];
  const described: string[] = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch(() => undefined);
  };
  try {
    const env: Record<string, string> = {
      SESSION_SECRET: randomBytes(32).toString('base64url'),
      UNSUBSCRIBE_SECRET: randomBytes(32).toString('base64url'), // @step 7+
      MAIL_FROM: 'Bench <bench@example.com>',
      PUBLIC_URL: 'https://bench.example.com',
      // A campaign that is running: the landing page shows its busiest phase.
      CAMPAIGN_STARTS_AT: day(-7),
      CAMPAIGN_ENDS_AT: day(30),
      ...(await database(say, stops, described)),
      ...(await redis(say, stops, described)),
    };
    const s3 = await startLocalS3({ directory: path.join(scratch, 's3'), allowedOrigins: [] });
    stops.push(() => s3.stop());
    Object.assign(env, s3.env);
    described.push(`storage: the local S3 server (s3rver) in the bench's own process`);
    const sink = await startSmtpSink();
    stops.push(() => sink.stop());
    env.SMTP_URL = sink.url;
    described.push('email: the local SMTP sink (only queued by the web process)');
    return { env, described, scratch, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function database(say: Say, stops: Array<() => Promise<unknown>>, described: string[]) {
  const admin = process.env.TEST_DATABASE_URL;
  if (!admin) {
    say('TEST_DATABASE_URL is not set: using PGlite, which serves one connection at a time.');
    say(
      '  For figures that mean something, point TEST_DATABASE_URL at a Postgres you may create databases in.',
    );
    const pglite = await startPgliteServer();
    stops.push(() => pglite.stop());
    described.push('database: PGlite (one connection: not representative of Postgres)');
    return { DATABASE_URL: withoutTls(pglite.url) };
  }
  const name = `bench_${process.pid}`;
  const server = knex({ client: 'pg', connection: admin, pool: { min: 0, max: 1 } });
  try {
    await server.raw(`create database ${name}`);
    const version = await server.raw<{ rows: Array<{ server_version: string }> }>(
      'show server_version',
    );
    described.push(
      `database: PostgreSQL ${version.rows[0]?.server_version ?? '?'} at ${new URL(admin).host}, a fresh database`,
    );
  } catch (err) {
    throw new Error(
      `cannot create a bench database with TEST_DATABASE_URL (${new URL(admin).host}): ${(err as Error).message}. ` +
        'Check that Postgres runs and the user may create databases, or unset TEST_DATABASE_URL to use PGlite.',
      { cause: err },
    );
  } finally {
    await server.destroy();
  }
  stops.push(async () => {
    const cleanup = knex({ client: 'pg', connection: admin, pool: { min: 0, max: 1 } });
    try {
      await cleanup.raw(`drop database if exists ${name} with (force)`);
    } finally {
      await cleanup.destroy();
    }
  });
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { DATABASE_URL: withoutTls(url.toString()) };
}

async function redis(say: Say, stops: Array<() => Promise<unknown>>, described: string[]) {
  const shared = process.env.TEST_REDIS_URL;
  if (shared) {
    const prefix = `bench:${process.pid}:`;
    // The sessions and counters of this run go with it: a shared Redis keeps nothing of a bench.
    stops.push(async () => {
      const client = createClient({ url: shared });
      await client.connect();
      try {
        for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
          if (keys.length > 0) await client.unlink(keys);
        }
      } finally {
        client.destroy();
      }
    });
    described.push(
      `sessions and limits: Redis at ${new URL(shared).host}, keys under bench:${process.pid}:`,
    );
    return { REDIS_URL: shared, REDIS_KEY_PREFIX: prefix };
  }
  try {
    const local = await startLocalRedis();
    stops.push(() => local.stop());
    described.push(`sessions and limits: a private redis-server ${local.version}`);
    return { REDIS_URL: local.url };
  } catch (err) {
    say((err as Error).message);
    throw new Error(
      'the benchmark needs Redis, as production does: install redis-server (it is started and stopped ' +
        'for you), or set TEST_REDIS_URL to a Redis it may write keys to.',
      { cause: err },
    );
  }
}

const day = (offset: number) =>
  new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/** The production build asks Postgres for TLS; these local servers have none. */
function withoutTls(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('sslmode', 'disable');
  return parsed.toString();
}
