// Process-level behaviour: SIGTERM lets in-flight requests finish, a bad config stops the boot.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { before } from 'node:test';
import { webTestEnv } from './support/app.ts';
import { freePort, start, waitForHttp, withTimeout } from './support/process.ts';

let env: Record<string, string>;
before(async () => {
  env = await webTestEnv();
});

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

    await assert.rejects(
      fetch(`http://127.0.0.1:${port}/healthz`),
      'no new connections after SIGTERM',
    );
    assert.deepEqual(await inFlight, { status: 200, body: 'finished' });
    const { code } = await withTimeout(child.exited, 5000, 'exit after SIGTERM');
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
    const { code } = await withTimeout(child.exited, 5000, 'exit after the deadline');
    assert.equal(code, 0);
    assert.equal(await inFlight, 'cut off');
    assert.match(child.output(), /requests still running at the deadline/);
  });
});

describe('the web entry point', () => {
  test('a port already in use stops the boot with one clear line, not a stack trace', async () => {
    const port = await freePort();
    const first = start(['src/server.ts'], { ...env, PORT: String(port) });
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, first);
    const second = start(['src/server.ts'], { ...env, PORT: String(port) });
    const { code } = await withTimeout(second.exited, 5000, 'exit on a taken port');
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
    assert.equal((await withTimeout(child.exited, 5000, 'exit')).code, 0);
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
    const { code } = await withTimeout(child.exited, 5000, 'exit on bad config');
    assert.equal(code, 1);
    assert.match(child.output(), /PORT: .*"eighty"/);
    assert.match(child.output(), /CAMPAIGN_ENDS_AT: expected an ISO 8601 date/);
    assert.match(child.output(), /\.env\.example/);
  });
});
