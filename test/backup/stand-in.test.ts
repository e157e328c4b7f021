// The PGlite stand-in cannot be restored into (pg_restore's COPY hangs on its socket server), nor backed
// up with a pg_dump older than the Postgres it reports: both commands say so at once.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { startPgliteServer } from '../../scripts/dev/index.ts';
import { onCleanup } from '../support/cleanup.ts';
import { npmRun } from './support.ts';

describe('against the PGlite stand-in', () => {
  let url: string;
  before(async () => {
    const server = await startPgliteServer();
    onCleanup(() => server.stop());
    url = server.url;
  });

  test('npm run db:restore refuses before running pg_restore, and names what to use instead', async () => {
    const ran = await npmRun('db:restore', ['package.json'], { DATABASE_URL: url });
    assert.equal(ran.code, 1, ran.stdout + ran.stderr);
    assert.match(
      ran.stderr,
      /is the local PGlite stand-in, which cannot take a restore.*set DATABASE_URL/,
    );
    assert.doesNotMatch(ran.stdout, /restoring/);
  });

  test('npm run db:backup either writes a file or says which pg_dump the stand-in needs, leaving nothing behind', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'campaign-kit-stand-in-'));
    onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    const ran = await npmRun('db:backup', ['--out', path.join(dir, 'local.dump')], {
      DATABASE_URL: url,
    });
    if (ran.code === 0) {
      assert.deepEqual(readdirSync(dir), ['local.dump']);
      return;
    }
    assert.match(
      ran.stderr,
      /pg_dump \S+ is older than .*postgresql-client-\d+.*local stand-in is PGlite/,
    );
    assert.deepEqual(readdirSync(dir), []);
  });
});
