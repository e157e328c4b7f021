// The digest job at 10k, 100k and 1M participants: the real `node src/job.ts digest` in a dyno's 512 MB,
// each size on a fresh database, with its time, peak RSS and rate as ratios to the smallest size.
//   TEST_DATABASE_URL=postgres://… npm run bench:digest [-- --sizes 10000,100000,1000000]
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import knex, { type Knex } from 'knex';
import { startPgliteServer } from '../scripts/dev/index.ts';
import { migrateLatest } from '../src/platform/migrator.ts';
import { dynoMemory, type DynoMemory } from './suite/processes.ts';

const root = path.resolve(import.meta.dirname, '..');
export const DIGEST_SIZES = [10_000, 100_000, 1_000_000] as const;
/** PGlite answers from one backend in this very process: beyond this, its figures say nothing of Postgres. */
const PGLITE_MAX = 10_000;
const DYNO_MB = 512;
/** A one-off dyno is killed about one interval of its schedule after it started. */
const HOURLY_S = 3600;
const TEN_MINUTES_S = 600;
// Rows a statement while filling: a progress line each, and no one statement holds the WAL for long.
const FILL_CHUNK = 100_000;

export interface JobRun {
  /** The job's own `ms`, from its summary line; `wallSeconds` adds Node's start and the connections. */
  readonly seconds: number;
  readonly wallSeconds: number;
  readonly maxRssMb: number;
  readonly enqueued: number;
  readonly outcome: string;
}

export interface DigestSizeResult {
  readonly participants: number;
  readonly subscribers: number;
  readonly fillSeconds: number;
  readonly first: JobRun;
  readonly rerun: JobRun;
  /** Digest rows in the outbox after both runs, and how many participants they are for. */
  readonly outboxRows: number;
  readonly outboxUsers: number;
  readonly ok: boolean;
}

export interface DigestBenchResult {
  readonly database: string;
  /** The memory cgroup the job ran in, if one could be made. */
  readonly dynoMb: number | undefined;
  readonly sizes: readonly DigestSizeResult[];
  readonly ok: boolean;
}

type Say = (line: string) => void;

interface Database {
  readonly url: string;
  readonly db: Knex;
  drop(): Promise<void>;
}

/** A fresh, migrated database on the server at `admin`, or a PGlite of its own when there is none. */
async function freshDatabase(admin: string | undefined, name: string): Promise<Database> {
  if (!admin) {
    const pglite = await startPgliteServer();
    const db = knex({ client: 'pg', connection: pglite.url, pool: { min: 0, max: 1 } });
    await migrateLatest(db);
    return {
      url: pglite.url,
      db,
      drop: async () => {
        await db.destroy();
        await pglite.stop();
      },
    };
  }
  const server = knex({ client: 'pg', connection: admin, pool: { min: 0, max: 1 } });
  try {
    await server.raw(`drop database if exists ${name} with (force)`);
    await server.raw(`create database ${name}`);
  } catch (err) {
    throw new Error(
      `cannot create a bench database with TEST_DATABASE_URL (${new URL(admin).host}): ${(err as Error).message}. ` +
        'Check that Postgres runs and the user may create databases.',
      { cause: err },
    );
  } finally {
    await server.destroy();
  }
  const target = new URL(admin);
  target.pathname = `/${name}`;
  const url = target.toString();
  const db = knex({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
  await migrateLatest(db);
  return {
    url,
    db,
    drop: async () => {
      await db.destroy();
      const cleanup = knex({ client: 'pg', connection: admin, pool: { min: 0, max: 1 } });
      try {
        await cleanup.raw(`drop database if exists ${name} with (force)`);
      } finally {
        await cleanup.destroy();
      }
    },
  };
}

/**
 * `participants` users, every one subscribed, one in ten with an attached photo: set-based, a chunk a
 * statement. The password hash is any text: the job never reads it.
 */
async function fill(db: Knex, participants: number, say: Say): Promise<void> {
  for (let from = 1; from <= participants; from += FILL_CHUNK) {
    const to = Math.min(participants, from + FILL_CHUNK - 1);
    await db.raw(
      `insert into users (email, display_name, password_hash, created_at)
       select 'participant' || g || '@example.com', 'Participant ' || g, 'not a hash: a bench row',
              now() - interval '3 days' + g * interval '1 millisecond'
         from generate_series(?::int, ?::int) as g`,
      [from, to],
    );
    if (participants > FILL_CHUNK) say(`  filling: ${to.toLocaleString('en')} participants`);
  }
  await db.raw('insert into digest_subscriptions (user_id) select id from users');
  await db.raw(
    `insert into photo_uploads (id, user_id, pending_key, status, expires_at, photo_key, photo_type,
                                size, confirmed_at)
     select gen_random_uuid(), id, 'pending/' || id, 'attached', now(), 'photos/' || id, 'image/jpeg',
            250000, now() - interval '1 hour'
       from users where id % 10 = 0`,
  );
  // As autovacuum would by the time Scheduler runs: the job's plans see the real row counts.
  await db.raw('analyze');
}

/** A JSON log line, or undefined for anything else the process printed. */
function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Runs `node src/job.ts digest` to its end (in the cgroup, if any) and reads its summary line. */
function runJob(url: string, cgroup: DynoMemory | undefined, say: Say): Promise<JobRun> {
  const argv = ['src/job.ts', 'digest'];
  // A shell joins the cgroup, then becomes node (exec), so that the job is born inside the limit.
  const [command, args] = cgroup
    ? [
        '/bin/sh',
        ['-c', `echo $$ > '${cgroup.procs}' && exec "$0" "$@"`, process.execPath, ...argv],
      ]
    : [process.execPath, argv];
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'development',
      DATABASE_URL: url,
      DIGEST_HOUR: '0',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (pending + chunk).split('\n');
    pending = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      // The job's own progress, a line a minute when no terminal watches.
      const msg = parseLine(line)?.msg;
      if (typeof msg === 'string' && /: [\d,]+ of /.test(msg)) say(`  job: ${msg}`);
    }
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const ticker = setInterval(
    () => say(`  job running: ${Math.round((performance.now() - started) / 1000)} s`),
    30_000,
  );
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    // 'close', not 'exit': the summary line is the last thing written, and must have been read.
    child.once('close', (code, signal) => {
      clearInterval(ticker);
      if (pending) lines.push(pending);
      const wallSeconds = (performance.now() - started) / 1000;
      const summary = lines
        .map(parseLine)
        .find((entry) => typeof entry?.ms === 'number' && typeof entry.maxRssMb === 'number');
      if (code !== 0 || !summary) {
        reject(
          new Error(
            `the digest job ended with ${signal ?? `exit ${code}`}` +
              (signal === 'SIGKILL' && cgroup ? ` (over the ${cgroup.limitMb} MB limit?)` : '') +
              `; its output:\n${lines.join('\n')}\n${stderr}`,
          ),
        );
        return;
      }
      resolve({
        seconds: (summary.ms as number) / 1000,
        wallSeconds,
        maxRssMb: summary.maxRssMb as number,
        enqueued: Number(summary.enqueued ?? 0),
        outcome: String(summary.outcome),
      });
    });
  });
}

async function outboxCounts(db: Knex): Promise<{ rows: number; users: number }> {
  const { rows } = await db.raw<{ rows: Array<{ rows: string; users: string }> }>(
    `select count(*) as rows, count(distinct user_id) as users from email_outbox where kind = 'digest'`,
  );
  return { rows: Number(rows[0]!.rows), users: Number(rows[0]!.users) };
}

async function measureSize(
  admin: string | undefined,
  participants: number,
  cgroup: DynoMemory | undefined,
  say: Say,
): Promise<DigestSizeResult> {
  const database = await freshDatabase(admin, `bench_digest_${process.pid}_${participants}`);
  try {
    say(`${participants.toLocaleString('en')} participants: filling a fresh database …`);
    const filling = performance.now();
    await fill(database.db, participants, say);
    const fillSeconds = (performance.now() - filling) / 1000;
    const subscribers = Number(
      (await database.db('digest_subscriptions').count({ n: '*' }).first())!.n,
    );
    say(`  filled in ${fillSeconds.toFixed(1)} s; running the digest job …`);
    const first = await runJob(database.url, cgroup, say);
    say(
      `  ${first.enqueued.toLocaleString('en')} digests in ${first.seconds.toFixed(1)} s ` +
        `(${Math.round(participants / first.seconds).toLocaleString('en')} a second), peak RSS ${first.maxRssMb} MB; the same job again …`,
    );
    const rerun = await runJob(database.url, cgroup, say);
    const outbox = await outboxCounts(database.db);
    say(
      `  again: ${rerun.enqueued} more in ${rerun.seconds.toFixed(2)} s; the outbox holds ` +
        `${outbox.rows.toLocaleString('en')} digests for ${outbox.users.toLocaleString('en')} participants`,
    );
    const ok =
      first.outcome === 'done' &&
      first.enqueued === subscribers &&
      rerun.enqueued === 0 &&
      outbox.rows === subscribers &&
      outbox.users === subscribers;
    if (!ok) {
      say(
        `  warning: expected ${subscribers} digests, one a subscriber, and none from the second run`,
      );
    }
    return {
      participants,
      subscribers,
      fillSeconds,
      first,
      rerun,
      outboxRows: outbox.rows,
      outboxUsers: outbox.users,
      ok,
    };
  } finally {
    await database.drop();
  }
}

/** Every size in turn, smallest first: the smallest is the baseline of the ratios. */
export async function measureDigestJob(
  sizes: readonly number[],
  say: Say,
  /** The cgroup to run the job in (the suite's own); by default one of 512 MB is made; null: none. */
  dyno?: DynoMemory | null,
): Promise<DigestBenchResult> {
  const admin = process.env.TEST_DATABASE_URL;
  const sorted = [...sizes].sort((a, b) => a - b);
  if (!admin && sorted.some((size) => size > PGLITE_MAX)) {
    throw new Error(
      `TEST_DATABASE_URL is not set: PGlite, one backend in this process, is no fair measure of ` +
        `${sorted.at(-1)!.toLocaleString('en')} participants. Point TEST_DATABASE_URL at a Postgres that ` +
        `may create databases, or run only --sizes ${PGLITE_MAX}.`,
    );
  }
  const database = admin
    ? `Postgres at ${new URL(admin).host}, a fresh database for each size`
    : 'PGlite (not representative of Postgres: a small size only)';
  const cgroup = dyno === undefined ? await dynoMemory(DYNO_MB) : (dyno ?? undefined);
  say(
    `database: ${database}; the job ran ${cgroup ? `in a ${cgroup.limitMb} MB memory cgroup, as on a Standard-1X dyno` : 'without a memory limit (a cgroup needs Linux and root)'}`,
  );
  const results: DigestSizeResult[] = [];
  try {
    for (const size of sorted) results.push(await measureSize(admin, size, cgroup, say));
  } finally {
    if (dyno === undefined) await cgroup?.remove();
  }
  return {
    database,
    dynoMb: cgroup?.limitMb,
    sizes: results,
    ok: results.every((r) => r.ok),
  };
}

/** The most a run's process took beyond the job's own time: Node's start, the connections, the exit. */
const startup = (result: DigestBenchResult) =>
  Math.max(0, ...result.sizes.map((r) => r.first.wallSeconds - r.first.seconds));

const n = (value: number) => Math.round(value).toLocaleString('en');
const x = (ratio: number) => `${ratio.toFixed(2)}×`;

/** The verdicts the issue asks for; for a million not measured, a linear projection from the largest size. */
export function digestVerdicts(result: DigestBenchResult): Array<[string, string, boolean]> {
  const [base, largest] = [result.sizes[0], result.sizes.at(-1)];
  if (!base || !largest) return [];
  const verdicts: Array<[string, string, boolean]> = [];
  if (largest !== base) {
    const ratio = largest.first.maxRssMb / base.first.maxRssMb;
    verdicts.push([
      `digest job: RSS(${n(largest.participants)}) ≤ 1.2 × RSS(${n(base.participants)})`,
      `${largest.first.maxRssMb} MB vs ${base.first.maxRssMb} MB (${x(ratio)})`,
      ratio <= 1.2,
    ]);
  }
  const million = result.sizes.find((r) => r.participants === 1_000_000);
  const seconds = million
    ? million.first.wallSeconds
    : (largest.first.seconds * 1_000_000) / largest.participants + startup(result);
  const how = million
    ? `${seconds.toFixed(0)} s measured`
    : `about ${seconds.toFixed(0)} s, projected from ${n(largest.participants)}`;
  verdicts.push(
    [
      'digest job: 1M participants within an hour (the hourly schedule)',
      `${how}; ${x(HOURLY_S / seconds)} headroom`,
      seconds <= HOURLY_S,
    ],
    [
      'digest job: 1M participants within 10 minutes',
      `${how}; ${x(TEN_MINUTES_S / seconds)} headroom`,
      seconds <= TEN_MINUTES_S,
    ],
  );
  return verdicts;
}

/** The table and its notes, in Markdown: for the command's output and for bench/RESULTS.md. */
export function digestTable(result: DigestBenchResult): string[] {
  const base = result.sizes[0];
  if (!base) return [];
  const rate = (r: DigestSizeResult) => r.participants / r.first.seconds;
  return [
    `The real job (\`node src/job.ts digest\`, \`DIGEST_HOUR=0\`) on ${result.database}; every participant ` +
      'subscribed, one in ten with a photo; ' +
      (result.dynoMb
        ? `in a ${result.dynoMb} MB memory cgroup, as a Standard-1X dyno. `
        : 'without a memory limit. ') +
      `Ratios are to the ${n(base.participants)} run of the same script.`,
    '',
    '| participants | fill | job | participants/s | rate ratio | time ratio | peak RSS | RSS ratio | rerun | rerun added | outbox = subscribers |',
    '|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|',
    ...result.sizes.map(
      (r) =>
        `| ${n(r.participants)} | ${r.fillSeconds.toFixed(1)} s | ${r.first.seconds.toFixed(1)} s | ${n(rate(r))} | ` +
        `${x(rate(r) / rate(base))} | ${x(r.first.seconds / base.first.seconds)} | ${r.first.maxRssMb} MB | ` +
        `${x(r.first.maxRssMb / base.first.maxRssMb)} | ${r.rerun.seconds.toFixed(2)} s | ${r.rerun.enqueued} | ` +
        `${r.ok ? 'yes' : `**no** (${n(r.outboxRows)} rows for ${n(r.subscribers)})`} |`,
    ),
    '',
    `"job" is the time in the summary line the job writes; the process took ${startup(result).toFixed(1)} s more ` +
      '(at most) to start Node and connect. "rerun" is the same job again the same day, as the next hourly ' +
      "run: it looks for participants still without the day's digest, finds none, and writes nothing.",
    '',
    'This machine is a shared two-core virtual machine, and Postgres runs on the same two cores as the job. ' +
      'A Standard-1X dyno has a share of a CPU, with Heroku Postgres on machines of its own: read the ' +
      'headroom, not the seconds. A dyno that many times slower than this machine would still finish in time.',
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { sizes: { type: 'string', default: DIGEST_SIZES.join(',') } },
  });
  const sizes = values.sizes.split(',').map(Number);
  if (sizes.some((size) => !Number.isInteger(size) || size < 1)) {
    console.error('[bench] --sizes takes whole numbers separated by commas, e.g. 10000,100000');
    process.exit(2);
  }
  const say = (line: string) => console.log(`[bench] ${line}`);
  try {
    const result = await measureDigestJob(sizes, say);
    console.log(`\n${digestTable(result).join('\n')}\n`);
    for (const [goal, measured, met] of digestVerdicts(result)) {
      console.log(`${met ? 'met' : 'NOT met'}: ${goal}: ${measured}`);
    }
    if (!result.ok) process.exitCode = 1;
  } catch (err) {
    console.error(`[bench] ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
