// The database and session parts of the config, and what the web process requires with them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { loadWebConfig } from '../../src/deps.ts';
import { databaseConfig } from '../../src/platform/db.config.ts';
import { sessionConfig } from '../../src/platform/session.config.ts';

const now = new Date('2026-11-23T10:00:00Z');
const DATABASE_URL = 'postgres://app@127.0.0.1:5432/app';
const database = (env: Record<string, string>) =>
  loadConfig(env, { database: databaseConfig }, now).database;

test('DATABASE_URL is required everywhere, with a hint for local runs', () => {
  assert.throws(() => database({}), /DATABASE_URL: not set: `npm run dev` starts a local Postgres/);
  for (const url of ['mysql://localhost/app', 'postgres:///app', 'postgres://', 'localhost:5432']) {
    assert.throws(
      () => database({ DATABASE_URL: url }),
      /DATABASE_URL: expected a URL such as postgres:\/\//,
      url,
    );
  }
  assert.equal(database({ DATABASE_URL }).url, DATABASE_URL);
  assert.equal(database({ DATABASE_URL: 'postgresql://h/db' }).url, 'postgresql://h/db');
});

test('production connects to Postgres over TLS unless the URL sets an sslmode', () => {
  assert.equal(database({ NODE_ENV: 'production', DATABASE_URL }).ssl, true);
  assert.equal(
    database({ NODE_ENV: 'production', DATABASE_URL: `${DATABASE_URL}?sslmode=disable` }).ssl,
    false,
  );
  assert.equal(database({ DATABASE_URL }).ssl, false);
});

test('SESSION_SECRET is required in production only, and must be long', () => {
  const session = (env: Record<string, string>) =>
    loadConfig(env, { session: sessionConfig }, now).session;
  assert.throws(
    () => session({ NODE_ENV: 'production' }),
    /SESSION_SECRET: required in production/,
  );
  assert.throws(() => session({ SESSION_SECRET: 'short' }), /at least 32 characters/);
  const production = session({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32) });
  assert.equal(production.secret, 'x'.repeat(32));
  assert.deepEqual(production.cookie, { httpOnly: true, sameSite: 'lax', secure: true });
  assert.equal(session({}).cookie.secure, false);
  // Development makes one up, anew at each start.
  assert.equal(session({}).secret.length, 64);
  assert.notEqual(session({}).secret, session({}).secret);
});

test('production web lists every missing or malformed variable at once', () => {
  try {
    loadWebConfig({ NODE_ENV: 'production', PORT: 'x' }, now);
    assert.fail('expected a ConfigError');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    const names = new Set(err.problems.map((p) => p.split(':')[0]));
    for (const name of [
      'CAMPAIGN_ENDS_AT',
      'CAMPAIGN_STARTS_AT',
      'DATABASE_URL',
      'PORT',
      'SESSION_SECRET',
    ]) {
      assert.ok(names.has(name), `${name} in ${err.message}`);
    }
  }
});
