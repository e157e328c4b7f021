// Runs the migrations listed in migrations/index.ts with knex's migrator; the list is compiled with the
// app, so the release phase needs no TypeScript tooling and no directory scan.
import type { Knex } from 'knex';
import { migrations, type Migration } from '../../migrations/index.ts';

const source: Knex.MigrationSource<Migration> = {
  getMigrations: async () => [...migrations],
  getMigrationName: (migration) => migration.name,
  getMigration: async (migration) => migration,
};

/** Applies every pending migration; returns the names applied in this run. */
export async function migrateLatest(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource: source })) as [number, string[]];
  return applied;
}

export async function rollbackAll(db: Knex): Promise<void> {
  await db.migrate.rollback({ migrationSource: source }, true);
}
