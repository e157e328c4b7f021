// A fresh, migrated database for one test file: a new database on the real Postgres at
// TEST_DATABASE_URL when it is set (CI sets it), otherwise an in-memory PGlite served over TCP.
import { randomBytes } from 'node:crypto';
import knex from 'knex';
import { startPgliteServer } from '../../scripts/dev/index.ts';
import { migrateLatest } from '../../src/platform/migrator.ts';
import { onCleanup } from './cleanup.ts';

export interface TestDatabase {
  url: string;
  kind: 'postgres' | 'pglite';
  drop(): Promise<void>;
}

async function create(): Promise<TestDatabase> {
  const admin = process.env.TEST_DATABASE_URL;
  if (!admin) {
    const server = await startPgliteServer();
    return { url: server.url, kind: 'pglite', drop: () => server.stop() };
  }
  const name = `test_${randomBytes(6).toString('hex')}`;
  const adminDb = knex({ client: 'pg', connection: admin, pool: { min: 0, max: 1 } });
  await adminDb.raw(`create database ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    kind: 'postgres',
    async drop() {
      await adminDb.raw(`drop database if exists ${name} with (force)`);
      await adminDb.destroy();
    },
  };
}

/** Creates the database and, unless told otherwise, applies every migration. */
export async function createTestDatabase({ migrate = true } = {}): Promise<TestDatabase> {
  const database = await create();
  if (!migrate) return database;
  const db = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 1 } });
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }
  return database;
}

let database: Promise<TestDatabase> | undefined;

/** The test file's database, created and migrated on first use and dropped when the file ends. */
export function testDatabase(): Promise<TestDatabase> {
  if (!database) {
    const created = createTestDatabase();
    onCleanup(async () => (await created).drop());
    database = created;
  }
  return database;
}
