// What the tests of production data copied down share: a real Postgres, commands run to their end,
// and a copy made as heroku pg:copy makes it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import knex, { type Knex } from 'knex';
import { onCleanup } from '../support/cleanup.ts';
import type { TestDatabase } from '../support/db.ts';

/** The reason to skip without a real Postgres (pg_dump and psql need one), or false. */
export const NEEDS_POSTGRES =
  process.env.TEST_DATABASE_URL === undefined || process.env.TEST_DATABASE_URL === ''
    ? 'needs a real Postgres with pg_dump and psql: set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres'
    : false;

/** What the welcome email of a seeded participant is written from. */
export const WELCOME = {
  campaign: { name: 'Summer Photo Contest', endsAt: new Date('2027-08-31T22:00:00Z') },
  email: { publicUrl: 'https://contest.example' },
};

/** A knex handle on a test database, closed when the test file ends. */
export const open = (database: TestDatabase): Knex => {
  const db = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 2 } });
  onCleanup(() => db.destroy());
  return db;
};

/** Runs a command to its end and returns its stdout; a non-zero exit fails with its stderr. */
export async function run(command: string, args: string[], input?: NodeJS.ReadableStream) {
  const child = spawn(command, args, { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  if (input && child.stdin) input.pipe(child.stdin);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0, `${command} ${args.join(' ')} failed: ${stderr}`);
  return stdout;
}

/**
 * What heroku pg:copy does: dump the source without owners or grants and replay it into the target,
 * emptied first with `replace` (pg:copy overwrites a database that has tables already).
 */
export async function copyDatabase(
  from: string,
  to: string,
  { replace = false }: { replace?: boolean } = {},
): Promise<void> {
  if (replace) {
    await run('psql', [
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      'drop schema public cascade; create schema public',
      to,
    ]);
  }
  const dump = spawn('pg_dump', ['--no-owner', '--no-privileges', from], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const dumped = once(dump, 'exit');
  await run('psql', ['-q', '-v', 'ON_ERROR_STOP=1', to], dump.stdout);
  assert.equal((await dumped)[0], 0, 'pg_dump failed');
}
