// Demo participants for review apps: added once, the same on every rerun, and never in production.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import knex, { type Knex } from 'knex';
import { verifyPassword } from '../../src/accounts/passwords.ts';
import { DEMO_PARTICIPANTS, seedDemo } from '../../src/seed-demo.ts';
import { onCleanup } from '../support/cleanup.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { start, withTimeout } from '../support/process.ts';

const PASSWORD = 'review-app-demo-password';
const NOW = new Date('2026-12-01T09:00:00Z');

let database: TestDatabase;
let db: Knex;

before(async () => {
  database = await createTestDatabase();
  onCleanup(() => database.drop());
  db = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 2 } });
  onCleanup(() => db.destroy());
});

interface UserRow {
  id: string;
  email: string;
  display_name: string;
  password_hash: string;
  created_at: Date;
}

const users = () => db<UserRow>('users').select().orderBy('id');
const entryEnv = (env: Record<string, string>) => ({
  NODE_ENV: 'production',
  DATABASE_URL: `${database.url}${database.url.includes('?') ? '&' : '?'}sslmode=disable`,
  ...env,
});

describe('seedDemo', () => {
  test('adds six demo participants who log in with the demo password, and no welcome emails', async () => {
    const result = await seedDemo(db, { password: PASSWORD, now: NOW });
    assert.deepEqual(result, { added: 6, present: 0 });
    const rows = await users();
    assert.deepEqual(
      rows.map((row) => row.email),
      ['1', '2', '3', '4', '5', '6'].map((n) => `demo${n}@example.invalid`),
    );
    assert.equal(new Set(rows.map((row) => row.display_name)).size, 6);
    assert.ok(rows.every((row) => row.created_at.getTime() === NOW.getTime()));
    assert.equal(await verifyPassword(PASSWORD, rows[0]!.password_hash), true);
    assert.equal(await verifyPassword('not the password', rows[0]!.password_hash), false);
    assert.deepEqual(await db('email_outbox').select(), []);
  });

  test('run again, it adds nothing and leaves every row as it was', async () => {
    const first = await users();
    const result = await seedDemo(db, { password: PASSWORD, now: new Date() });
    assert.deepEqual(result, { added: 0, present: 6 });
    assert.deepEqual(await users(), first);
  });

  test('a participant who already took a demo email in other letters is left alone', async () => {
    await db('users').whereRaw('lower(email) = ?', ['demo6@example.invalid']).delete();
    await db('users').insert({
      email: 'DEMO6@Example.Invalid',
      display_name: 'Someone Else',
      password_hash: 'scrypt$1$1$1$x$y',
    });
    const result = await seedDemo(db, { password: PASSWORD, now: NOW });
    assert.deepEqual(result, { added: 0, present: 6 });
    const taken = await db<UserRow>('users').whereRaw("lower(email) = 'demo6@example.invalid'");
    assert.deepEqual(
      taken.map((row) => row.display_name),
      ['Someone Else'],
    );
  });

  test('refuses a short password before touching the database', async () => {
    await assert.rejects(seedDemo(db, { password: 'short', now: NOW }), /at least 12 characters/);
  });
});

describe('the seed-demo entry point', () => {
  test('refuses production, says why, and adds nobody', async () => {
    await db('users').whereRaw("email ilike 'demo%'").delete();
    const job = start(
      ['src/seed-demo.ts'],
      entryEnv({ APP_ENV: 'production', DEMO_PASSWORD: PASSWORD }),
    );
    const { code } = await withTimeout(job.exited, 20_000, 'seed-demo');
    assert.equal(code, 1, job.output());
    assert.match(job.output(), /refusing to add demo participants/);
    assert.match(job.output(), /anyone .* can log in/);
    assert.equal((await users()).length, 0);
  });

  test('stops when APP_ENV is unset and NODE_ENV is production: a deployed app must say which it is', async () => {
    const job = start(['src/seed-demo.ts'], entryEnv({ DEMO_PASSWORD: PASSWORD }));
    assert.equal((await withTimeout(job.exited, 20_000, 'seed-demo')).code, 1, job.output());
    assert.match(job.output(), /APP_ENV: required in production/);
  });

  test('without DEMO_PASSWORD it stops and says how to set one', async () => {
    const job = start(['src/seed-demo.ts'], entryEnv({ APP_ENV: 'review' }));
    assert.equal((await withTimeout(job.exited, 20_000, 'seed-demo')).code, 1, job.output());
    assert.match(job.output(), /DEMO_PASSWORD: not set/);
    assert.match(job.output(), /heroku config:set DEMO_PASSWORD=/);
  });

  test('on a review app it adds the participants, then says they are already there', async () => {
    const env = entryEnv({ APP_ENV: 'review', DEMO_PASSWORD: PASSWORD });
    const first = start(['src/seed-demo.ts'], env);
    assert.equal((await withTimeout(first.exited, 20_000, 'seed-demo')).code, 0, first.output());
    assert.match(first.output(), /6 demo participants added/);
    const second = start(['src/seed-demo.ts'], env);
    assert.equal((await withTimeout(second.exited, 20_000, 'seed-demo')).code, 0, second.output());
    assert.match(second.output(), /0 added, 6 already there/);
    assert.equal((await users()).length, DEMO_PARTICIPANTS.length);
  });
});

test('on a database that was never migrated it says to migrate first, and creates nothing', async () => {
  const empty = await createTestDatabase({ migrate: false });
  onCleanup(() => empty.drop());
  const url = `${empty.url}${empty.url.includes('?') ? '&' : '?'}sslmode=disable`;
  const job = start(['src/seed-demo.ts'], {
    NODE_ENV: 'production',
    APP_ENV: 'review',
    DEMO_PASSWORD: PASSWORD,
    DATABASE_URL: url,
  });
  assert.equal((await withTimeout(job.exited, 20_000, 'seed-demo')).code, 1, job.output());
  assert.match(job.output(), /npm run migrate first/);
  const check = knex({ client: 'pg', connection: empty.url, pool: { min: 0, max: 1 } });
  onCleanup(() => check.destroy());
  assert.equal(await check.schema.hasTable('users'), false);
});
