// npm run db:backup against a database that does not answer: one line that says where and what to check.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { onCleanup } from '../support/cleanup.ts';
import { npmRun } from './support.ts';

test('npm run db:backup against a port where nothing listens fails in one line naming host:port and DATABASE_URL, and leaves no file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'campaign-kit-backup-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const ran = await npmRun('db:backup', ['--out', path.join(dir, 'nothing.dump')], {
    DATABASE_URL: 'postgres://postgres@127.0.0.1:1/campaign',
  });
  assert.notEqual(ran.code, 0);
  const lines = ran.stderr.split('\n').filter((line) => line.startsWith('db:backup:'));
  assert.equal(lines.length, 1, ran.stderr);
  assert.match(
    lines[0] ?? '',
    /^db:backup: could not reach the database at 127\.0\.0\.1:1: .*ECONNREFUSED.*; check DATABASE_URL$/,
  );
  assert.deepEqual(readdirSync(dir), []);
});
