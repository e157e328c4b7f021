// A flood of wrong passwords from one address: past the limit it gets 429s, and the rest of the site
// keeps answering meanwhile. How quickly is bench:login's to measure: a test holds no timing.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { webTestEnv } from '../support/app.ts';
import { startWeb, type WebProcess } from '../support/process.ts';
import { visitor } from '../support/visitor.ts';

let web: WebProcess;
before(async () => {
  web = await startWeb({ ...(await webTestEnv()), LOG_LEVEL: 'warn' });
});

/** Fetches site.css `count` times, 10 ms apart; the statuses it got. */
async function cssStatuses(count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    const answer = await fetch(`${web.url}/assets/site.css`);
    await answer.arrayBuffer();
    statuses.push(answer.status);
    await new Promise((r) => setTimeout(r, 10));
  }
  return statuses;
}

test('150 guesses from one address: 30 checked, then 429s; site.css is served all along', async () => {
  const guesser = visitor({ 'x-forwarded-for': '203.0.113.66' });
  const form = await guesser.get(`${web.url}/login`);
  const token = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1] ?? '';

  const statuses: number[] = [];
  const flood = Promise.all(
    Array.from({ length: 150 }, async (_, i) => {
      await new Promise((r) => setTimeout(r, i * 20));
      const answer = await guesser.post(`${web.url}/login`, {
        email: `someone-${i % 5}@example.com`,
        password: `guess ${i}`,
        _csrf: token,
      });
      statuses.push(answer.status);
    }),
  );
  const during = await cssStatuses(30);
  await flood;

  const counts = { 401: 0, 429: 0 } as Record<number, number>;
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  assert.deepEqual(counts, { 401: 30, 429: 120 });
  assert.deepEqual(new Set(during), new Set([200]), 'site.css during the flood');
});
