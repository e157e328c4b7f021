// Password checks take turns: a flood of guesses can hold at most two of the thread pool's threads,
// and past a hundred waiting, a check is refused at once rather than queued without end.
import assert from 'node:assert/strict';
import { randomBytes, scryptSync } from 'node:crypto';
import { test } from 'node:test';
import {
  hashing,
  MAX_CONCURRENT_HASHES,
  PasswordCheckBusyError,
  verifyPassword,
} from '../../src/accounts/passwords.ts';

// A stored hash with cheap parameters (N=2^10), so that a test can run a hundred checks quickly.
const salt = randomBytes(16);
const cheap = ['scrypt', 1024, 8, 1, salt.toString('base64')]
  .concat(scryptSync('right', salt, 64, { N: 1024, r: 8, p: 1 }).toString('base64'))
  .join('$');

test(`at most ${MAX_CONCURRENT_HASHES} checks run at once; the others wait their turn and all finish`, async () => {
  let highest = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      highest = Math.max(highest, hashing.running);
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  const results = await Promise.all(
    Array.from({ length: 12 }, (_, i) => verifyPassword(i % 3 === 0 ? 'right' : 'wrong', cheap)),
  );
  sampling = false;
  await sampler;
  assert.deepEqual(
    results,
    Array.from({ length: 12 }, (_, i) => i % 3 === 0),
  );
  assert.equal(highest, MAX_CONCURRENT_HASHES);
  assert.equal(hashing.running, 0);
  assert.equal(hashing.waiting, 0);
});

test('past a hundred waiting, a check is refused at once with a 503 that says to try again', async () => {
  const checks = Array.from({ length: MAX_CONCURRENT_HASHES + 100 }, () =>
    verifyPassword('wrong', cheap),
  );
  await assert.rejects(verifyPassword('right', cheap), (err: unknown) => {
    assert.ok(err instanceof PasswordCheckBusyError);
    assert.equal(err.status, 503);
    assert.match(err.message, /try again in a few seconds/);
    return true;
  });
  assert.ok((await Promise.all(checks)).every((ok) => !ok));
  assert.equal(await verifyPassword('right', cheap), true, 'the line is open again');
});
