// The pruned-slug check's hook for a step's own smoke check, on steps that are a folder with a script.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { runSmoke, SMOKE_SCRIPT } from '../../tools/workshop/verify.ts';

const folders: string[] = [];
after(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function stepWith(smoke?: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'verify-smoke-'));
  folders.push(dir);
  if (smoke !== undefined) {
    mkdirSync(path.join(dir, path.dirname(SMOKE_SCRIPT)), { recursive: true });
    writeFileSync(path.join(dir, SMOKE_SCRIPT), smoke);
  }
  return dir;
}

describe('the smoke check of a step', () => {
  test('runs with the SMOKE_ variables it is given, and its output is logged', async () => {
    const dir = stepWith(
      "console.log(`base ${process.env.SMOKE_BASE_URL}, mailbox ${process.env.SMOKE_MAILBOX_URL ?? 'none'}`);\n",
    );
    const lines: string[] = [];
    const before = process.env.SMOKE_MAILBOX_URL;
    // One left in verify's own environment is not the step's add-on.
    process.env.SMOKE_MAILBOX_URL = 'http://127.0.0.1:9/stale';
    try {
      await runSmoke(dir, 'step-2', { SMOKE_BASE_URL: 'http://127.0.0.1:5000' }, (line) =>
        lines.push(line),
      );
    } finally {
      if (before === undefined) delete process.env.SMOKE_MAILBOX_URL;
      else process.env.SMOKE_MAILBOX_URL = before;
    }
    assert.deepEqual(lines, ['step-2: smoke: base http://127.0.0.1:5000, mailbox none']);
  });

  test('fails the step when it exits non-zero, with what it printed', async () => {
    const dir = stepWith(
      "console.log('GET / fine');\nconsole.error('smoke: GET /me answered 500');\nprocess.exitCode = 1;\n",
    );
    const lines: string[] = [];
    await assert.rejects(
      runSmoke(dir, 'step-2', { SMOKE_BASE_URL: 'http://127.0.0.1:5000' }, (line) =>
        lines.push(line),
      ),
      (err: Error) => {
        assert.match(err.message, /^step-2: node test\/slug\/smoke\.ts exited with 1:/);
        assert.match(err.message, /GET \/ fine\nsmoke: GET \/me answered 500/);
        return true;
      },
    );
    assert.deepEqual(lines, []);
  });

  test('a step without one gets the generic checks only, and says so', async () => {
    const lines: string[] = [];
    await runSmoke(stepWith(), 'step-1', {}, (line) => lines.push(line));
    assert.deepEqual(lines, [`step-1: no ${SMOKE_SCRIPT} in the step: the generic checks only`]);
  });
});
