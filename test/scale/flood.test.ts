// A flood of wrong passwords from one address: past the limit it gets 429s that cost no hashing, and
// the rest of the site stays quick. bench:login measures the latency; this test holds only a ceiling.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { webTestEnv } from '../support/app.ts';
import { startWeb, type WebProcess } from '../support/process.ts';
import { visitor } from '../support/visitor.ts';

let web: WebProcess;
before(async () => {
  web = await startWeb({ ...(await webTestEnv()), LOG_LEVEL: 'warn' });
});

const percentile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};

async function cssTimes(count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await (await fetch(`${web.url}/assets/site.css`)).arrayBuffer();
    times.push(performance.now() - started);
    await new Promise((r) => setTimeout(r, 10));
  }
  return times;
}

test('150 guesses from one address: 30 checked, then 429s; site.css stays within a ceiling', async () => {
  const guesser = visitor({ 'x-forwarded-for': '203.0.113.66' });
  const form = await guesser.get(`${web.url}/login`);
  const token = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1] ?? '';
  await cssTimes(10);
  const rest = await cssTimes(30);

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
  const during = await cssTimes(30);
  await flood;

  const counts = { 401: 0, 429: 0 } as Record<number, number>;
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  assert.deepEqual(counts, { 401: 30, 429: 120 });
  // A generous ceiling for a busy test machine; bench:login gives the figures.
  const ceiling = 10 * percentile(rest, 0.5) + 250;
  assert.ok(
    percentile(during, 0.95) < ceiling,
    `site.css p95 ${percentile(during, 0.95).toFixed(1)} ms during the flood, ` +
      `at rest median ${percentile(rest, 0.5).toFixed(1)} ms: ceiling ${ceiling.toFixed(0)} ms`,
  );
});
