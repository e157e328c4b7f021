// Release-phase entry point (Procfile `release:`): applies pending migrations, exits non-zero on failure
// so Heroku keeps the previous release running.
import { loadConfig } from './config.ts';
import { databaseConfig } from './platform/db.config.ts';
import { assertDbReachable, createDb, describeDatabase } from './platform/db.ts';
import { createLogger } from './platform/logger.ts';
import { migrateLatest, migrationNames } from './platform/migrator.ts';
import { runEntryPoint, StartupError } from './platform/startup.ts';

await runEntryPoint('migrate', async () => {
  const config = loadConfig(process.env, { database: databaseConfig });
  const logger = createLogger(config.log);
  // No query deadline here: a migration may rightly run longer than a web request may wait, up to
  // the release phase's hour, after which Heroku ends it and the previous release goes on serving.
  const db = createDb({ ...config.database, queryTimeoutMs: 0 }, logger);
  await assertDbReachable(db, config.database.url);
  try {
    const where = describeDatabase(config.database.url);
    logger.info({ database: where }, 'applying migrations');
    const { unknown, pending } = await compareMigrations(db);
    if (unknown.length > 0) {
      if (!config.production || pending.length > 0)
        throw unknownMigrationsError(where, unknown, pending);
      // A rollback (or a promotion) of older code: Heroku runs the release phase for it too. The newer
      // schema stays, which code written "expand, then contract" survives; refusing would fail the rollback.
      logger.warn(
        { unknown },
        `the database is ahead of this code by ${unknown.length} migration(s) (a rollback?): it keeps them, and nothing is applied`,
      );
      return;
    }
    const applied = await migrateLatest(db);
    if (applied.length === 0) logger.info('database schema is up to date');
    else logger.info({ applied }, `applied ${applied.length} migration(s)`);
  } finally {
    await db.destroy();
  }
});

/** What the database records and no file here provides (`unknown`), and the reverse (`pending`). */
async function compareMigrations(db: ReturnType<typeof createDb>) {
  const known = await migrationNames();
  if (!(await db.schema.hasTable('knex_migrations'))) return { unknown: [], pending: known };
  const rows = await db<{ name: string }>('knex_migrations').select('name').orderBy('id');
  const recorded = new Set(rows.map((row) => row.name));
  return {
    unknown: rows.map((row) => row.name).filter((name) => !known.includes(name)),
    pending: known.filter((name) => !recorded.has(name)),
  };
}

/**
 * Locally, a database migrated by other code (an exercise on another branch) is reset with one command.
 * Elsewhere it may hold real data: the advice never names a command that erases it.
 */
function unknownMigrationsError(where: string, unknown: string[], pending: string[]): StartupError {
  const problem = `the database at ${where} has migrations this code does not have: ${unknown.join(', ')}`;
  if (pending.length === 0) {
    return new StartupError(
      problem,
      'It was migrated by other code (an exercise on another branch?). Locally, npm run db:reset ' +
        'empties the local database; it leaves a DATABASE_URL of your own alone.',
    );
  }
  return new StartupError(
    `${problem}, and this code has migrations it lacks: ${pending.join(', ')}`,
    'The two histories have parted, so nothing was applied and nothing was changed. Deploy code ' +
      'that has every one of them, or check out the code that migrated this database.',
  );
}
