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
    const unknown = await unknownMigrations(db);
    if (unknown.length > 0) {
      throw new StartupError(
        `the database at ${where} has migrations this code does not have: ${unknown.join(', ')}`,
        'It was migrated by other code (an exercise on another branch?). Locally: npm run db:reset ' +
          'empties the local database. On Heroku: heroku pg:reset DATABASE_URL, then deploy again.',
      );
    }
    const applied = await migrateLatest(db);
    if (applied.length === 0) logger.info('database schema is up to date');
    else logger.info({ applied }, `applied ${applied.length} migration(s)`);
  } finally {
    await db.destroy();
  }
});

/** Migrations recorded in the database that no file here provides. */
async function unknownMigrations(db: ReturnType<typeof createDb>): Promise<string[]> {
  if (!(await db.schema.hasTable('knex_migrations'))) return [];
  const known = new Set(await migrationNames());
  const rows = await db<{ name: string }>('knex_migrations').select('name').orderBy('id');
  return rows.map((row) => row.name).filter((name) => !known.has(name));
}
