// npm run db:restore asks before it replaces a production database's tables, and without a terminal to
// ask on, refuses unless told --yes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import knex, { type Knex } from 'knex';
import { onCleanup } from '../support/cleanup.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { fingerprint, NEEDS_POSTGRES, npmRun } from './support.ts';

describe('npm run db:restore into production', { skip: NEEDS_POSTGRES }, () => {
  let database: TestDatabase;
  let db: Knex;
  let file: string;

  before(async () => {
    database = await createTestDatabase();
    onCleanup(() => database.drop());
    db = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 1 } });
    onCleanup(() => db.destroy());
    const dir = mkdtempSync(path.join(tmpdir(), 'campaign-kit-restore-'));
    onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    file = path.join(dir, 'old.dump');
    await db('users').insert({
      email: 'old@restore.example',
      display_name: 'Old',
      password_hash: 'x',
    });
    const backedUp = await npmRun('db:backup', ['--out', file], { DATABASE_URL: database.url });
    assert.equal(backedUp.code, 0, backedUp.stderr);
    // What a restore would lose: the participant who joined after the backup.
    await db('users').insert({
      email: 'new@restore.example',
      display_name: 'New',
      password_hash: 'x',
    });
  });

  for (const [marks, env] of [
    ['APP_ENV=production', { APP_ENV: 'production' }],
    ['NODE_ENV=production', { NODE_ENV: 'production' }],
  ] as const) {
    test(`with ${marks}, no terminal and no --yes, it refuses, says how to go on, and restores nothing`, async () => {
      const untouched = await fingerprint(db);
      const ran = await npmRun('db:restore', [file], { DATABASE_URL: database.url, ...env });
      assert.equal(ran.code, 1, ran.stdout + ran.stderr);
      assert.match(ran.stdout, new RegExp(`counts as production: ${marks} says so`));
      assert.match(
        ran.stderr,
        /refusing to restore into 127\.0\.0\.1:\d+\/\w+, and nothing was restored: .*not a terminal.*add --yes/,
      );
      assert.deepEqual(await fingerprint(db), untouched);
    });
  }

  test('with APP_ENV=production and --yes, it restores without asking', async () => {
    const ran = await npmRun('db:restore', [file, '--yes'], {
      DATABASE_URL: database.url,
      APP_ENV: 'production',
    });
    assert.equal(ran.code, 0, ran.stderr);
    assert.deepEqual(await db('users').orderBy('id').pluck('email'), ['old@restore.example']);
  });
});

test('a DATABASE_URL on another host counts as production: refused without a terminal, before any connection', async () => {
  // Nothing answers there: a refusal that tried to connect first would say so instead.
  const ran = await npmRun('db:restore', ['package.json'], {
    DATABASE_URL: 'postgres://someone:secret@db.campaign.invalid:5432/live',
  });
  assert.equal(ran.code, 1, ran.stdout + ran.stderr);
  assert.match(
    ran.stdout,
    /db\.campaign\.invalid:5432\/live counts as production: its host db\.campaign\.invalid is not this machine/,
  );
  assert.match(
    ran.stderr,
    /refusing to restore into db\.campaign\.invalid:5432\/live, and nothing was restored/,
  );
  assert.doesNotMatch(ran.stdout + ran.stderr, /secret/);
});
