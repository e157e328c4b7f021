// What the jobs' tests share: the file's database on a pool of its own, a job run as Scheduler runs it,
// participants made with set-based SQL so that thousands cost milliseconds, and what the outbox then
// holds for them.
import knex, { type Knex } from 'knex';
import { onCleanup } from '../support/cleanup.ts';
import { testDatabase } from '../support/db.ts';
import { start, withTimeout, type Child } from '../support/process.ts';

export const JOB_ENV = { DIGEST_HOUR: '0', LOG_LEVEL: 'info' };

/**
 * Adds `count` participants (p1@example.com …) who joined at `joinedAt` (an hour ago by default); those
 * for whom `subscribed` says so (every one by default) have asked for the digest. Returns their ids.
 */
export async function addParticipants(
  db: Knex,
  count: number,
  {
    subscribed = () => true,
    prefix = 'p',
    joinedAt,
  }: { subscribed?: (i: number) => boolean; prefix?: string; joinedAt?: Date } = {},
): Promise<string[]> {
  const { rows } = await db.raw<{ rows: Array<{ id: string }> }>(
    `insert into users (email, display_name, password_hash, created_at)
     select ? || g || '@example.com', 'Person ' || g, 'not a hash',
            coalesce(?::timestamptz, now() - interval '1 hour')
       from generate_series(1, ?) g
     returning id`,
    [prefix, joinedAt ?? null, count],
  );
  const ids = rows.map((row) => String(row.id));
  const chosen = ids.filter((_id, i) => subscribed(i + 1));
  if (chosen.length > 0) {
    await db.raw('insert into digest_subscriptions (user_id) select unnest(?::bigint[])', [
      `{${chosen.join(',')}}`,
    ]);
  }
  return chosen;
}

/** How many digests each participant has for `day`, for those who have any. */
export async function digestsPerParticipant(db: Knex, day: string): Promise<Map<string, number>> {
  const rows: Array<{ user_id: string; n: string | number }> = await db('email_outbox')
    .select('user_id')
    .count({ n: '*' })
    .where({ kind: 'digest', campaign_day: day })
    .groupBy('user_id');
  return new Map(rows.map((row) => [String(row.user_id), Number(row.n)]));
}

/** Fails unless every one of `ids`, and nobody else, has exactly one digest for `day`. */
export function exactlyOneEach(counts: Map<string, number>, ids: readonly string[]): string[] {
  const problems: string[] = [];
  for (const id of ids) {
    const n = counts.get(id) ?? 0;
    if (n !== 1) problems.push(`participant ${id} has ${n} digests`);
  }
  const wanted = new Set(ids);
  for (const [id, n] of counts)
    if (!wanted.has(id)) problems.push(`participant ${id} has ${n} digests but asked for none`);
  return problems;
}

/** The test file's database and a pool on it, closed when the file ends. */
export async function jobDatabase(): Promise<{ db: Knex; url: string }> {
  const { url } = await testDatabase();
  const db = knex({ client: 'pg', connection: url, pool: { min: 0, max: 4 } });
  onCleanup(() => db.destroy());
  return { db, url };
}

/** The JSON log lines of a child's output. */
export function logLines(child: Child): Array<Record<string, unknown>> {
  return child
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The one summary line a job writes, failing unless there is exactly one. */
export function summaryOf(child: Child): Record<string, unknown> {
  const summaries = logLines(child).filter((line) => 'outcome' in line);
  if (summaries.length !== 1) {
    throw new Error(`expected one summary line, got ${summaries.length}:\n${child.output()}`);
  }
  return summaries[0]!;
}

/** Runs `node src/job.ts <args>` to its end, as Scheduler does. */
export async function runJobProcess(args: string[], env: Record<string, string>) {
  const child = start(['src/job.ts', ...args], env);
  const { code, signal } = await withTimeout(child.exited, 90_000, `job ${args.join(' ')}`);
  return { child, code, signal, output: child.output() };
}
