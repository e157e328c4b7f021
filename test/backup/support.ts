// What the backup tests share: the commands run as a user runs them (npm run …), and a table-by-table fingerprint.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import type { Knex } from 'knex';

/** The reason to skip on PGlite: pg_dump and pg_restore need a real server of their own version. */
export const NEEDS_POSTGRES =
  process.env.TEST_DATABASE_URL === undefined || process.env.TEST_DATABASE_URL === ''
    ? 'needs a real Postgres, whose version the installed pg_dump and pg_restore match: set ' +
      'TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres'
    : false;

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * `npm run <script> -- <args>` in the project, with no terminal and only the variables given: a .env there
 * fills only what they leave unset, as for a user.
 */
export async function npmRun(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<Ran> {
  const started = performance.now();
  const child = spawn('npm', ['run', '--silent', script, '--', ...args], {
    cwd: ROOT,
    env: {
      // This Node first, so that check-node.js passes whatever node the PATH has.
      PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`,
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'development',
      APP_ENV: 'development',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr, ms: performance.now() - started };
}

export interface TableFingerprint {
  rows: number;
  md5: string;
}

/** Every table of the app's schema, from the catalogue, so that a new table is in without a word here. */
export async function tablesOf(db: Knex): Promise<string[]> {
  return (await db('information_schema.tables')
    .where({ table_schema: 'public', table_type: 'BASE TABLE' })
    .orderBy('table_name')
    .pluck('table_name')) as string[];
}

/** Per table, its row count and a checksum of every row's text, in a fixed order. */
export async function fingerprint(db: Knex): Promise<Record<string, TableFingerprint>> {
  const result: Record<string, TableFingerprint> = {};
  for (const table of await tablesOf(db)) {
    const { rows } = await db.raw<{ rows: Array<{ n: string; md5: string }> }>(
      `select count(*) as n, md5(coalesce(string_agg(t::text, ',' order by t::text), '')) as md5 from ?? t`,
      [table],
    );
    result[table] = { rows: Number(rows[0]?.n), md5: rows[0]?.md5 ?? '' };
  }
  return result;
}
