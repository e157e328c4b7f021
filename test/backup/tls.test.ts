// db:backup and db:restore against Postgres shaped like Heroku's: TLS only, a certificate of no public
// authority, a password in the URL. Source only: it borrows the workshop verifier's TLS proxy.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import knex from 'knex';
import { localCertificate, startTlsPostgresProxy } from '../../tools/workshop/tls.ts';
import { onCleanup } from '../support/cleanup.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { fingerprint, NEEDS_POSTGRES, npmRun } from './support.ts';

describe('db:backup and db:restore over TLS only', { skip: NEEDS_POSTGRES }, () => {
  let database: TestDatabase;
  let tlsUrl: (sslmode?: string) => string;
  let dir: string;

  before(async () => {
    database = await createTestDatabase();
    onCleanup(() => database.drop());
    const plain = new URL(database.url);
    const certificate = await localCertificate();
    onCleanup(() => rmSync(path.dirname(certificate.file), { recursive: true, force: true }));
    const proxy = await startTlsPostgresProxy(
      { host: plain.hostname, port: Number(plain.port || 5432) },
      certificate,
    );
    onCleanup(() => proxy.close());
    tlsUrl = (sslmode) =>
      `postgres://postgres:a-password@127.0.0.1:${proxy.port}${plain.pathname}` +
      (sslmode ? `?sslmode=${sslmode}` : '');
    dir = mkdtempSync(path.join(tmpdir(), 'campaign-kit-tls-'));
    onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    const db = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 1 } });
    await db('users').insert({
      email: 'tls@backup.example',
      display_name: 'TLS',
      password_hash: 'x',
    });
    await db.destroy();
  });

  // no-verify is what the README tells the app to use from a laptop; require is libpq's own word.
  for (const sslmode of ['no-verify', 'require']) {
    test(`with ?sslmode=${sslmode}, a backup and its restore go through without verifying the certificate`, async () => {
      const file = path.join(dir, `${sslmode}.dump`);
      const db = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 1 } });
      onCleanup(() => db.destroy());
      const before = await fingerprint(db);
      const backedUp = await npmRun('db:backup', ['--out', file], {
        DATABASE_URL: tlsUrl(sslmode),
      });
      assert.equal(backedUp.code, 0, backedUp.stderr);
      await db('users').del();
      const restored = await npmRun('db:restore', [file], { DATABASE_URL: tlsUrl(sslmode) });
      assert.equal(restored.code, 0, restored.stderr);
      assert.deepEqual(await fingerprint(db), before);
      assert.doesNotMatch(
        backedUp.stdout + backedUp.stderr + restored.stdout + restored.stderr,
        /a-password/,
      );
    });
  }

  test('without TLS asked for on a local URL, it says the server takes TLS only and what to add to the URL', async () => {
    const file = path.join(dir, 'plain.dump');
    const ran = await npmRun('db:backup', ['--out', file], { DATABASE_URL: tlsUrl() });
    assert.equal(ran.code, 1);
    assert.match(
      ran.stderr,
      /could not reach the database at 127\.0\.0\.1:\d+: .*SSL required.*add \?sslmode=require to the URL.*check DATABASE_URL/,
    );
  });
});
