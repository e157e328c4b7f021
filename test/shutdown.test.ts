// Process-level behaviour: SIGTERM lets in-flight requests finish, answers what keep-alive connections
// already carry, and ends by its deadline whatever a backing service does; a bad config stops the boot.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Agent, get, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { before } from 'node:test';
import { KEEP_ALIVE_GRACE_MS } from '../src/platform/http-server.ts';
import { webTestEnv } from './support/app.ts';
import { onCleanup } from './support/cleanup.ts';
import { signalDuringLoad } from './support/keep-alive.ts';
import { freePort, start, waitForHttp, withTimeout, type Child } from './support/process.ts';
import { startProxy, throughProxy } from './support/tcp-proxy.ts'; // @step 2+

let env: Record<string, string>;
before(async () => {
  env = await webTestEnv();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether a new TCP connection to `port` is accepted. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** One GET through `agent`, which keeps its connection open between requests. */
function getVia(
  agent: Agent,
  url: string,
): Promise<{ res: IncomingMessage; reused: boolean; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent }, (res) => {
      const { socket } = res;
      res.resume();
      res.on('end', () => resolve({ res, reused: req.reusedSocket, socket }));
    });
    req.on('error', reject);
  });
}

/** The slow-server fixture on a free port, answering. */
async function startFixture(
  extra: Record<string, string> = {},
): Promise<{ port: number; child: Child }> {
  const port = await freePort();
  // What these tests time is the shutdown: on a busy machine a first connection can take longer than
  // the default 5 s, and the boot must not fail for that.
  const boot = { DATABASE_TIMEOUT_MS: '20000', PORT: String(port) };
  const child = start(['test/fixtures/slow-server.ts'], { ...env, ...boot, ...extra });
  // A process that does not exit fails its test; it must not keep the whole file from ending.
  onCleanup(() => void (child.process.exitCode === null && child.process.kill('SIGKILL')));
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, child);
  return { port, child };
}

/** What the process logged at level fatal, one entry a line. */
const fatalLines = (child: Child) =>
  child
    .output()
    .split('\n')
    .filter((line) => line.includes('"level":60'));

describe('SIGTERM', () => {
  test('a slow in-flight request completes, new connections are refused, and the process exits 0', async () => {
    const port = await freePort();
    const child = start(['test/fixtures/slow-server.ts'], { ...env, PORT: String(port) });
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, child);

    const inFlight = fetch(`http://127.0.0.1:${port}/slow?ms=1500`).then(async (res) => ({
      status: res.status,
      body: await res.text(),
    }));
    await new Promise((r) => setTimeout(r, 300));
    child.process.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));

    assert.equal(await accepts(port), false, 'no new connections after SIGTERM');
    assert.deepEqual(await inFlight, { status: 200, body: 'finished' });
    const { code } = await withTimeout(child.exited, 15_000, 'exit after SIGTERM');
    assert.equal(code, 0, child.output());
    assert.match(child.output(), /shutdown complete/);
  });

  test('a request that outlives the deadline is cut off and the process still exits', async () => {
    const port = await freePort();
    const child = start(['test/fixtures/slow-server.ts'], {
      ...env,
      PORT: String(port),
      SHUTDOWN_TIMEOUT_MS: '1000',
    });
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, child);
    const inFlight = fetch(`http://127.0.0.1:${port}/slow?ms=8000`).then(
      () => 'answered',
      () => 'cut off',
    );
    await new Promise((r) => setTimeout(r, 200));
    child.process.kill('SIGTERM');
    const { code } = await withTimeout(child.exited, 15_000, 'exit after the deadline');
    assert.equal(code, 0);
    assert.equal(await inFlight, 'cut off');
    assert.match(child.output(), /requests still running at the deadline/);
  });

  test('50 keep-alive clients looping through a SIGTERM: none reset, no error, each told Connection: close, and exit 0', async () => {
    const port = await freePort();
    const child = start(['src/server.ts'], { ...env, PORT: String(port), LOG_LEVEL: 'warn' });
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, child);
    const counts = await signalDuringLoad(`http://127.0.0.1:${port}/`, () =>
      child.process.kill('SIGTERM'),
    );
    const { resets, errors, toldToLeave, problems } = counts;
    assert.deepEqual({ resets, errors }, { resets: 0, errors: 0 }, problems.join('\n'));
    assert.equal(
      toldToLeave,
      50,
      'every client was answered after the signal, with Connection: close',
    );
    assert.equal((await withTimeout(child.exited, 10_000, 'exit after SIGTERM')).code, 0);
  });

  test('a keep-alive connection idle at SIGTERM: its next request within the grace is answered with Connection: close; one that sends nothing is closed after the grace', async () => {
    const { port, child } = await startFixture();
    const url = `http://127.0.0.1:${port}/healthz`;
    const [talker, silent] = [new Agent({ keepAlive: true }), new Agent({ keepAlive: true })];
    await getVia(talker, url);
    const silentSocket = (await getVia(silent, url)).socket;
    const silentClosed = once(silentSocket, 'close').then(() => performance.now());
    const signalled = performance.now();
    child.process.kill('SIGTERM');
    await sleep(300);

    const late = await getVia(talker, url);
    assert.equal(late.reused, true, 'the request went on the connection opened before SIGTERM');
    assert.equal(late.res.statusCode, 200);
    assert.equal(late.res.headers.connection, 'close');
    assert.equal(silentSocket.destroyed, false, 'the idle connection is kept during the grace');
    // Node would close it itself 5 s after its last answer; the grace ends it well before.
    const closedAfter =
      (await withTimeout(silentClosed, 4000, 'the idle connection closed')) - signalled;
    assert.ok(
      closedAfter >= KEEP_ALIVE_GRACE_MS - 100,
      `closed after ${Math.round(closedAfter)} ms`,
    );
    assert.equal((await withTimeout(child.exited, 15_000, 'exit after SIGTERM')).code, 0);
    talker.destroy();
    silent.destroy();
  });

  test('a backing service whose close never settles: exit 1 within its bound, with one line naming it', async () => {
    const { child } = await startFixture({ FIXTURE_STUCK_CLOSE: '1' });
    child.process.kill('SIGTERM');
    // SHUTDOWN_TIMEOUT_MS is 25 s here: closing has a bound of its own, and nothing else waits.
    const { code } = await withTimeout(child.exited, 15_000, 'exit with a stuck service');
    assert.equal(code, 1);
    const fatal = fatalLines(child);
    assert.equal(fatal.length, 1, child.output());
    assert.match(
      fatal[0]!,
      /exiting anyway: could not close stuck service \(still open after 1000 ms\)/,
    );
  });

  test('a request past the deadline, then a service that does not close: the process still exits by the deadline and the bound, with 1', async () => {
    const { port, child } = await startFixture({
      SHUTDOWN_TIMEOUT_MS: '1000',
      FIXTURE_STUCK_CLOSE: '1',
    });
    const inFlight = fetch(`http://127.0.0.1:${port}/slow?ms=8000`).then(
      () => 'answered',
      () => 'cut off',
    );
    await sleep(200);
    child.process.kill('SIGTERM');
    const { code } = await withTimeout(child.exited, 15_000, 'exit after the deadline');
    assert.equal(code, 1);
    assert.equal(await inFlight, 'cut off');
    assert.match(child.output(), /requests still running at the deadline: closing them/);
    assert.match(fatalLines(child).join('\n'), /could not close stuck service/);
  });
  // @step 2+

  test('a database that hangs (packets dropped): SIGTERM still ends within the deadline and the bound, with 1 and a line naming the database', async () => {
    const target = new URL(env.DATABASE_URL!);
    const proxy = await startProxy({ host: target.hostname, port: Number(target.port) });
    try {
      const { port, child } = await startFixture({
        DATABASE_URL: throughProxy(env.DATABASE_URL!, proxy),
        SHUTDOWN_TIMEOUT_MS: '1000',
        // The query itself gives up only after the shutdown's deadline, as with any long query.
        DATABASE_QUERY_TIMEOUT_MS: '20000',
      });
      proxy.hang();
      // Waits on the database for up to 20 s, far past the 1 s deadline: not /healthz, which gives up
      // after 2 s, and which a busy machine that stalls the child for a second or two lets answer first.
      const inFlight = fetch(`http://127.0.0.1:${port}/slow-query`).then(
        () => 'answered',
        () => 'cut off',
      );
      await sleep(200);
      child.process.kill('SIGTERM');
      const { code } = await withTimeout(child.exited, 15_000, 'exit with the database hung');
      assert.equal(code, 1, child.output());
      assert.equal(await inFlight, 'cut off', child.output());
      assert.match(
        fatalLines(child).join('\n'),
        /exiting anyway: could not close database \(still open after 1000 ms\)/,
      );
    } finally {
      await proxy.close();
    }
  });
  // @end
});

describe('the web entry point', () => {
  test('a port already in use stops the boot with one clear line, not a stack trace', async () => {
    const port = await freePort();
    const first = start(['src/server.ts'], { ...env, PORT: String(port) });
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, first);
    const second = start(['src/server.ts'], { ...env, PORT: String(port) });
    const { code } = await withTimeout(second.exited, 15_000, 'exit on a taken port');
    first.process.kill('SIGTERM');
    await first.exited;
    assert.equal(code, 1);
    assert.match(
      second.output(),
      new RegExp(`web: port ${port} is already in use\\nStop the process`),
    );
    assert.doesNotMatch(second.output(), /\bat .*http-server/);
  });

  test('serves the landing page on $PORT and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const child = start(['src/server.ts'], {
      ...env,
      PORT: String(port),
      CAMPAIGN_NAME: 'Entry Test',
    });
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, child);
    const page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    assert.match(page, /Entry Test/);
    child.process.kill('SIGTERM');
    assert.equal((await withTimeout(child.exited, 15_000, 'exit')).code, 0);
    // Logs are JSON lines on stdout: every line parses.
    const lines = child.output().trim().split('\n');
    for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), line);
  });

  test('a bad environment stops the boot with exit 1 and lists every problem', async () => {
    const child = start(['src/server.ts'], {
      ...env,
      PORT: 'eighty',
      CAMPAIGN_ENDS_AT: 'next friday',
    });
    // A generous bound, not a timing; should the child hang, the failure shows what it had written.
    const started = Date.now();
    const { code } = await withTimeout(child.exited, 60_000, 'exit on bad config').catch(
      (err: Error) => {
        throw new Error(
          `${err.message}: still running after ${Date.now() - started} ms, having written:\n${child.output()}`,
        );
      },
    );
    assert.equal(code, 1);
    assert.match(child.output(), /PORT: .*"eighty"/);
    assert.match(child.output(), /CAMPAIGN_ENDS_AT: expected an ISO 8601 date/);
    assert.match(child.output(), /\.env\.example/);
  });
});
