// Runs the migrations in migrations/ with knex's migrator: every timestamped file there, in name order.
// They are read as .ts in development and as the compiled .js in the slug, the same code either way.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Knex } from 'knex';

export interface Migration {
  up(db: Knex): Promise<void>;
  down(db: Knex): Promise<void>;
}

// migrations/ is two levels above this file, in src/ as in the compiled dist/src/.
const DIRECTORY = path.resolve(import.meta.dirname, '../../migrations');
const EXTENSION = path.extname(import.meta.filename);
const FILE = /^\d{14}_[a-z0-9_]+$/;

/** The names of the migrations, oldest first: "20261123090000_create_users". */
export async function migrationNames(): Promise<string[]> {
  return (await readdir(DIRECTORY))
    .filter((file) => path.extname(file) === EXTENSION && FILE.test(path.basename(file, EXTENSION)))
    .map((file) => path.basename(file, EXTENSION))
    .sort();
}

const source: Knex.MigrationSource<string> = {
  getMigrations: () => migrationNames(),
  getMigrationName: (name) => name,
  getMigration: async (name) =>
    (await import(pathToFileURL(path.join(DIRECTORY, name + EXTENSION)).href)) as Migration,
};

/** Applies every pending migration; returns the names applied in this run. */
export async function migrateLatest(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource: source })) as [number, string[]];
  return applied;
}

export async function rollbackAll(db: Knex): Promise<void> {
  await db.migrate.rollback({ migrationSource: source }, true);
}
