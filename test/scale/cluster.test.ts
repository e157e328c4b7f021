// WEB_CONCURRENCY: one dyno runs several web processes on one port; SIGTERM drains them all, answering
// what their keep-alive connections carry, and a worker that cannot stop does not keep the dyno.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { workerHeapFlags } from '../../src/platform/cluster.ts';
import { webTestEnv } from '../support/app.ts';
import { signalDuringLoad } from '../support/keep-alive.ts';
import { startWeb, withTimeout } from '../support/process.ts';

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

test('WEB_CONCURRENCY=2: 50 keep-alive clients looping through a SIGTERM: none reset, no error, each told Connection: close, and exit 0', async () => {
  const web = await startWeb({ ...env, WEB_CONCURRENCY: '2', LOG_LEVEL: 'warn' });
  const counts = await signalDuringLoad(`${web.url}/`, () => web.child.process.kill('SIGTERM'));
  const { resets, errors, toldToLeave, problems } = counts;
  assert.deepEqual({ resets, errors }, { resets: 0, errors: 0 }, problems.join('\n'));
  assert.equal(
    toldToLeave,
    50,
    'every client was answered after the signal, with Connection: close',
  );
  assert.equal(await web.stop(), 0, web.child.output());
});

test('a worker that cannot stop is killed after its deadline, and the dyno still exits, with 1', async () => {
  const web = await startWeb({ ...env, WEB_CONCURRENCY: '2', SHUTDOWN_TIMEOUT_MS: '1000' });
  let frozen: number | undefined;
  while (frozen === undefined) {
    const [name] = await answeredBy(web.url, 1);
    frozen = Number(name?.split(' pid ')[1]) || undefined;
  }
  // A stopped process takes no signal but SIGKILL: as a worker stuck in a loop would not drain.
  process.kill(frozen, 'SIGSTOP');
  try {
    web.child.process.kill('SIGTERM');
    const { code } = await withTimeout(web.child.exited, 15_000, 'the dyno to exit');
    assert.equal(code, 1, web.child.output());
    assert.match(
      web.child.output(),
      /web workers still running after their deadline: killing them/,
    );
    assert.match(web.child.output(), new RegExp(`"workers":\\[[^\\]]*${frozen}`));
  } finally {
    try {
      process.kill(frozen, 'SIGKILL');
    } catch {
      // Already gone, as it should be.
    }
  }
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
