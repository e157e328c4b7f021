// Release-phase entry point (Procfile `release:`): applies pending migrations, exits non-zero on failure
// so Heroku keeps the previous release running.
import { loadConfig } from './config.ts';
import { assertDbReachable, createDb, describeDatabase } from './platform/db.ts';
import { createLogger } from './platform/logger.ts';
import { migrateLatest } from './platform/migrator.ts';
import { runEntryPoint } from './platform/startup.ts';

await runEntryPoint('migrate', async () => {
  const config = loadConfig(process.env);
  const logger = createLogger(config.log);
  const db = createDb(config.database, logger);
  await assertDbReachable(db, config.database.url);
  try {
    const where = describeDatabase(config.database.url);
    logger.info({ database: where }, 'applying migrations');
    const applied = await migrateLatest(db);
    if (applied.length === 0) logger.info('database schema is up to date');
    else logger.info({ applied }, `applied ${applied.length} migration(s)`);
  } finally {
    await db.destroy();
  }
});
