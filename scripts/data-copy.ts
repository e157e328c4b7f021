// `npm run data:copy -- production staging`: copies one app's database into another's with heroku pg:copy
// and anonymises it there, so that the copy never emails or shows a real participant.
import knex, { type Knex } from 'knex';
import { createClient } from 'redis';
import { anonymise, describeAnonymised, type AnonymiseCounts } from '../src/anonymise.ts';
import { messageOf } from '../src/platform/errors.ts';
import { configOf, type ConfigVars, type Dyno, type OpsDeps } from './ops/heroku-cli.ts';

/** A step failed: what it said has been written, with the state the target is in and what to do. */
class Stopped extends Error {}

/** Rows per table of the copy, its schema's bookkeeping left out. */
export type TableCounts = Record<string, number>;

export interface CopyResult {
  anonymised: AnonymiseCounts;
  tables: TableCounts;
  sessions: number;
}

interface Plan {
  source: { env: string; app: string };
  target: { env: string; app: string };
  rerun: string;
}

const USAGE =
  'usage: npm run data:copy -- <source environment> <target environment>, such as production staging';

export async function main(argv: readonly string[], deps: OpsDeps): Promise<number> {
  const { out } = deps;
  const plan = planOf(argv, deps);
  if (typeof plan === 'string') {
    out.error(`data:copy: ${plan}`);
    return 1;
  }
  try {
    const result = await copyData(plan, deps);
    const tables = Object.entries(result.tables)
      .map(([table, rows]) => `${table} ${rows}`)
      .join(', ');
    out.log(
      `data:copy: ${plan.source.app} copied into ${plan.target.app} and anonymised: ${tables}; ` +
        `${[...describeAnonymised(result.anonymised), `${result.sessions} session(s) deleted`].join(', ')}`,
    );
    return 0;
  } catch (err) {
    if (err instanceof Stopped) return 1;
    throw err;
  }
}

/** Which apps, or why the command refuses (nothing has been run then). */
function planOf(argv: readonly string[], { environments }: OpsDeps): Plan | string {
  const known = Object.keys(environments).join(', ');
  const [sourceEnv, targetEnv] = argv;
  if (argv.length !== 2 || sourceEnv === undefined || targetEnv === undefined) {
    return `${USAGE} (environments: ${known})`;
  }
  const source = environments[sourceEnv];
  const target = environments[targetEnv];
  for (const [env, found] of [
    [sourceEnv, source],
    [targetEnv, target],
  ] as const) {
    if (!found) return `no environment "${env}" in deploy/environments.json (it has ${known})`;
  }
  if (!source || !target) return USAGE;
  if (sourceEnv === targetEnv || source.app === target.app) {
    return `refusing to copy ${source.app} onto itself: name two different environments, such as production staging`;
  }
  // By name, by its place at the end of the pipeline, by the file's own word, and by any other name
  // for the same app.
  const live = Object.entries(environments).filter(
    ([env, e]) => env === 'production' || e.promoteFrom !== undefined || e.production === true,
  );
  const guarded = live.find(([env, e]) => env === targetEnv || e.app === target.app);
  if (guarded) {
    return (
      `refusing to overwrite ${target.app}: it is the ${guarded[0]} environment, whose database is ` +
      `the real one. Copy into staging or a review app instead: npm run data:copy -- ${sourceEnv} staging`
    );
  }
  return {
    source: { env: sourceEnv, app: source.app },
    target: { env: targetEnv, app: target.app },
    rerun: `npm run data:copy -- ${sourceEnv} ${targetEnv}`,
  };
}

export async function copyData(plan: Plan, { heroku, out }: OpsDeps): Promise<CopyResult> {
  const { source, target, rerun } = plan;
  const T = target.app;
  const step = async <R>(doing: string, work: () => Promise<R>, ifFails: string): Promise<R> => {
    out.log(`data:copy: ${doing}`);
    try {
      return await work();
    } catch (err) {
      out.error(`data:copy: failed while ${doing}: ${messageOf(err)}`);
      out.error(`data:copy: ${ifFails}`);
      throw new Stopped();
    }
  };
  const untouched = `${T} is unchanged: nothing has been run on it.`;

  const before = await step(`reading ${T}'s config`, () => configOf(heroku, T), untouched);
  if (before.APP_ENV === undefined || before.APP_ENV === 'production') {
    const says = before.APP_ENV === undefined ? 'has no APP_ENV' : 'says APP_ENV=production';
    out.error(
      `data:copy: refusing to overwrite ${T}: it ${says}, so it may be a live app. If it is really ` +
        `${target.env}, set it first: heroku config:set APP_ENV=${target.env === 'review' ? 'review' : 'staging'} -a ${T}`,
    );
    throw new Stopped();
  }
  const workers = await step(
    `reading ${T}'s dynos`,
    async () =>
      (await heroku.json<Dyno[]>(['ps', '--json', '-a', T])).filter((d) => d.type === 'worker')
        .length,
    untouched,
  );
  const restoreWorker = `heroku ps:scale worker=${workers} -a ${T}`;

  // The copied outbox holds real participants' pending emails: no worker may send them before the
  // anonymiser empties it. Maintenance keeps visitors off a database that is half copied or not yet clean.
  if (workers > 0) {
    await step(
      `scaling ${T}'s worker from ${workers} to 0, so that it sends none of the copied emails`,
      () => heroku.run(['ps:scale', 'worker=0', '-a', T]),
      `${T}'s database has not been touched. Check its worker with \`heroku ps -a ${T}\` (it had ` +
        `${workers}); if it is at 0, run \`${restoreWorker}\`. Then run \`${rerun}\` again.`,
    );
  } else {
    out.log(`data:copy: ${T} runs no worker dyno: none to stop`);
  }
  const scaledDown =
    workers > 0
      ? `its worker is at 0 (it had ${workers}: \`${restoreWorker}\` brings it back)`
      : 'it runs no worker';
  await step(
    `turning on maintenance mode on ${T}`,
    () => heroku.run(['maintenance:on', '-a', T]),
    `${T}'s database has not been touched, but ${scaledDown}. Run \`${rerun}\` again, or bring it back as it was.`,
  );

  const held = `${T} stays in maintenance mode and ${scaledDown}, so that nobody sees this data and no email is sent.`;
  await step(
    `copying ${source.app}'s database into ${T} (heroku pg:copy)`,
    () =>
      heroku.run([
        'pg:copy',
        `${source.app}::DATABASE_URL`,
        'DATABASE_URL',
        '-a',
        T,
        // pg:copy asks for the target's attachment name (DATABASE for DATABASE_URL), not the app's.
        '--confirm',
        'DATABASE',
      ]),
    `${T}'s database may now be empty or hold part of ${source.app}'s: REAL participants' data, not ` +
      `anonymised. ${held} Run \`${rerun}\` again: it starts over with a fresh copy.`,
  );

  const realData =
    `${T}'s database holds a copy of ${source.app} with REAL participants' emails, names, password ` +
    `hashes and pending emails: nothing has been anonymised (it is all or nothing). ${held} Fix the ` +
    `cause above, then run \`${rerun}\` again.`;
  const config = await step(
    `reading ${T}'s DATABASE_URL and REDIS_URL`,
    () => configOf(heroku, T),
    realData,
  );
  const { anonymised, tables } = await step(
    `anonymising ${T}'s database`,
    () =>
      withDatabase(config, async (db) => {
        const anonymised = await anonymise(db, {
          progress: (what) => out.log(`data:copy:   ${what}`),
        });
        out.log(`data:copy: anonymised: ${describeAnonymised(anonymised).join(', ')}`);
        return { anonymised, tables: await rowsPerTable(db) };
      }),
    realData,
  );

  // A session names a user id; after the copy that id is someone else, whom the session would log in as.
  const sessions = await step(
    `deleting ${T}'s sessions from before the copy`,
    () => deleteSessions(config),
    `${T}'s database is anonymised, but sessions from before the copy may remain in its Redis, each of ` +
      `which would log its holder in as whoever now has that user id. ${held} Run \`${rerun}\` again.`,
  );
  out.log(`data:copy: deleted ${sessions} session(s)`);

  const restore = [
    ...(workers > 0 ? [`\`${restoreWorker}\``] : []),
    `\`heroku maintenance:off -a ${T}\``,
  ];
  const lastly = `${T}'s data is anonymised and its old sessions are gone; bring it back with ${restore.join(' and ')}.`;
  if (workers > 0) {
    await step(
      `scaling ${T}'s worker back to ${workers}`,
      () => heroku.run(['ps:scale', `worker=${workers}`, '-a', T]),
      lastly,
    );
  }
  await step(
    `turning off maintenance mode on ${T}`,
    () => heroku.run(['maintenance:off', '-a', T]),
    lastly,
  );
  return { anonymised, tables, sessions };
}

/** Connects as the app does on Heroku: TLS with a certificate no public CA signed, unless the URL says. */
async function withDatabase<R>(config: ConfigVars, work: (db: Knex) => Promise<R>): Promise<R> {
  const url = config.DATABASE_URL;
  if (!url) throw new Error('the app has no DATABASE_URL: is its Postgres add-on attached?');
  const db = knex({
    client: 'pg',
    connection: {
      connectionString: url,
      // An sslmode in the URL (sslmode=disable for a local server) replaces this.
      ...(/[?&]sslmode=/.test(url) ? {} : { ssl: { rejectUnauthorized: false } }),
    },
    pool: { min: 0, max: 2 },
    acquireConnectionTimeout: 10_000,
  });
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

async function rowsPerTable(db: Knex): Promise<TableCounts> {
  const tables = (await db('information_schema.tables')
    .where({ table_schema: 'public', table_type: 'BASE TABLE' })
    .whereNot('table_name', 'like', 'knex\\_%')
    .orderBy('table_name')
    .pluck('table_name')) as string[];
  const counts: TableCounts = {};
  for (const table of tables) {
    const [row] = await db(table).count<Array<{ rows: string | number }>>({ rows: '*' });
    counts[table] = Number(row?.rows ?? 0);
  }
  return counts;
}

/** Deletes the app's session keys (connect-redis's `${REDIS_KEY_PREFIX}sess:…`) with SCAN, never KEYS. */
async function deleteSessions(config: ConfigVars): Promise<number> {
  const url = config.REDIS_URL;
  // Production refuses to start without Redis, so such an app keeps no sessions to delete.
  if (!url) return 0;
  const prefix = config.REDIS_KEY_PREFIX ?? '';
  const client = createClient({
    url,
    socket: {
      connectTimeout: 10_000,
      reconnectStrategy: false,
      // Heroku's Key-Value Store has a self-signed certificate, as src/platform/redis.ts explains.
      ...(url.startsWith('rediss:') ? { tls: true, rejectUnauthorized: false } : { tls: false }),
    },
  });
  client.on('error', () => {});
  await client.connect();
  try {
    let deleted = 0;
    const match = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}sess:*`;
    for await (const keys of client.scanIterator({ MATCH: match, COUNT: 500 })) {
      if (keys.length > 0) deleted += await client.unlink(keys);
    }
    return deleted;
  } finally {
    await client.close();
  }
}

if (import.meta.main) {
  const { runOps } = await import('./ops/deps.ts');
  await runOps(main);
}
