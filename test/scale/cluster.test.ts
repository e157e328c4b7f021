// WEB_CONCURRENCY: one dyno runs several web processes on one port; SIGTERM drains them all.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { workerHeapFlags } from '../../src/platform/cluster.ts';
import { webTestEnv } from '../support/app.ts';
import { startWeb } from '../support/process.ts';

let env: Record<string, string>;
before(async () => {
  env = await webTestEnv();
});

/** Which process answers each of `count` requests, each on a new connection as from many browsers. */
async function answeredBy(url: string, count: number): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${url}/healthz`, { headers: { connection: 'close' } });
    names.push(res.headers.get('x-served-by') ?? 'none');
  }
  return names;
}

const pidsIn = (output: string, msg: string) =>
  output
    .split('\n')
    .filter((line) => line.includes(`"msg":"${msg}"`))
    .map((line) => (JSON.parse(line) as { pid: number }).pid);

test('WEB_CONCURRENCY=2: two processes serve one port, and SIGTERM drains both with exit 0', async () => {
  const web = await startWeb({ ...env, WEB_CONCURRENCY: '2', DYNO: 'web.1' });
  let seen = new Set<string>();
  const deadline = Date.now() + 15_000;
  while (seen.size < 2 && Date.now() < deadline) {
    seen = new Set([...seen, ...(await answeredBy(web.url, 6))]);
  }
  assert.equal(seen.size, 2, `two processes answered: ${[...seen].join(', ')}`);
  for (const name of seen) assert.match(name, /^web\.1 pid \d+$/);
  assert.ok(![...seen].includes(`web.1 pid ${web.child.process.pid}`), 'the primary only watches');

  assert.equal(await web.stop(), 0, web.child.output());
  const output = web.child.output();
  const served = [...seen].map((name) => Number(name.split(' pid ')[1]));
  assert.deepEqual(
    pidsIn(output, 'shutdown complete').sort(),
    served.sort(),
    'each worker drained',
  );
  assert.match(output, /every web worker has drained/);
});

test('a worker that dies is replaced, and the dyno keeps serving', async () => {
  const web = await startWeb({ ...env, WEB_CONCURRENCY: '2' });
  let victim: number | undefined;
  while (victim === undefined) {
    const [name] = await answeredBy(web.url, 1);
    victim = Number(name?.split(' pid ')[1]) || undefined;
  }
  process.kill(victim, 'SIGKILL');
  const deadline = Date.now() + 15_000;
  let replaced = false;
  while (!replaced && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    replaced =
      pidsIn(web.child.output(), 'listening on http://localhost:' + new URL(web.url).port).length >=
      3;
  }
  assert.ok(replaced, `a third worker started:\n${web.child.output()}`);
  assert.match(web.child.output(), /a web worker died: starting another/);
  const after = new Set(await answeredBy(web.url, 8));
  assert.ok(![...after].includes(`local pid ${victim}`), 'the dead worker answers nothing');
  assert.equal(await web.stop(), 0);
});

test('on a dyno, each worker gets its share of the heap; a limit of your own, or no dyno limit, is left alone', () => {
  const dyno = 512 * 2 ** 20;
  assert.deepEqual(workerHeapFlags(2, dyno, []), ['--max-old-space-size=128']);
  assert.deepEqual(workerHeapFlags(4, 2 * dyno, ['']), ['--max-old-space-size=128']);
  assert.deepEqual(workerHeapFlags(8, dyno, []), ['--max-old-space-size=64'], 'never below 64 MB');
  assert.deepEqual(workerHeapFlags(1, dyno, []), [], 'one process sizes itself');
  assert.deepEqual(workerHeapFlags(2, dyno, ['--max-old-space-size=300']), []);
  assert.deepEqual(workerHeapFlags(2, dyno, ['--inspect', '--max_old_space_size=300']), []);
  assert.deepEqual(workerHeapFlags(2, 0, []), [], 'no limit known');
  assert.deepEqual(workerHeapFlags(2, 2 ** 44, []), [], 'a limit larger than the machine is none');
});
