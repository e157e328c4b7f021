// OpenTelemetry in the real web process: with OTEL_EXPORTER_OTLP_ENDPOINT set, a request's span and the
// metrics reach an OTLP receiver, the last of them on SIGTERM; unset, none of the SDK is even loaded.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { webTestEnv } from '../support/app.ts';
import { onCleanup } from '../support/cleanup.ts';
import { startOtlpReceiver, type OtlpReceiver, type OtlpSpan } from '../support/otlp-receiver.ts';
import { freePort, start, waitForHttp, withTimeout } from '../support/process.ts';

// OTLP's SpanKind values.
const SERVER = 2;
const CLIENT = 3;
const REQUEST_ID = 'abcdefghij0123456789';

let base: Record<string, string>;
let dir: string;
before(async () => {
  base = await webTestEnv();
  dir = await mkdtemp(path.join(tmpdir(), 'telemetry-'));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
});

/**
 * `node --import ./src/telemetry.ts src/server.ts`, as the Procfile runs it, with `env`; stopped with
 * SIGTERM once `use` is done. Resolves to the module URLs the process resolved.
 */
async function runWeb(
  name: string,
  env: Record<string, string>,
  use: (url: string) => Promise<void>,
): Promise<string[]> {
  const port = await freePort();
  const loads = path.join(dir, `${name}.loads`);
  const child = start(
    [
      '--import',
      './test/telemetry/fixtures/record-loads.ts',
      '--import',
      './src/telemetry.ts',
    ].concat('src/server.ts'),
    { ...base, ...env, PORT: String(port), RECORD_LOADS_TO: loads },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`, child);
  await use(url);
  child.process.kill('SIGTERM');
  const { code } = await withTimeout(child.exited, 15_000, 'web exit after SIGTERM');
  assert.equal(code, 0, child.output());
  return (await readFile(loads, 'utf8')).split('\n');
}

const loadsSdk = (urls: string[]) => urls.some((u) => u.includes('/@opentelemetry/sdk-node/'));

const headerOf = (span: OtlpSpan, key: string) =>
  span.attributes.find((a) => a.key === key)?.value.arrayValue?.values.map((v) => v.stringValue);

describe('telemetry export over OTLP/HTTP', () => {
  let receiver: OtlpReceiver;
  before(async () => {
    receiver = await startOtlpReceiver();
    onCleanup(() => receiver.close());
  });

  test(
    'a request with X-Request-ID has a server span carrying that id, one without it the id the app ' +
      'answered with, and metrics arrive by the time the process has exited on SIGTERM',
    async () => {
      let made = '';
      const loads = await runWeb(
        'on',
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_HEADERS: 'api-key=test-key',
          OTEL_SERVICE_NAME: 'campaign-kit-test',
        },
        async (url) => {
          const answer = await fetch(`${url}/`, { headers: { 'X-Request-ID': REQUEST_ID } });
          assert.equal(answer.status, 200);
          await answer.arrayBuffer();
          const unnamed = await fetch(`${url}/`);
          made = unnamed.headers.get('x-request-id') ?? '';
          assert.notEqual(made, '');
          await unnamed.arrayBuffer();
        },
      );
      assert.ok(loadsSdk(loads), 'the SDK was loaded');

      const servers = receiver.spans().filter((span) => span.kind === SERVER);
      const mine = servers.filter((span) =>
        headerOf(span, 'http.request.header.x-request-id')?.includes(REQUEST_ID),
      );
      assert.equal(mine.length, 1, `server spans: ${JSON.stringify(servers.map((s) => s.name))}`);
      // Named by express's route; pg's queries and the S3 client's requests have spans of their own.
      assert.equal(mine[0]!.name, 'GET /');
      assert.deepEqual(headerOf(mine[0]!, 'http.response.header.x-request-id'), [REQUEST_ID]);
      const answered = servers.filter((span) =>
        headerOf(span, 'http.response.header.x-request-id')?.includes(made),
      );
      assert.equal(answered.length, 1, `no server span has the id the app made, ${made}`);
      assert.equal(headerOf(answered[0]!, 'http.request.header.x-request-id'), undefined);
      const clients = receiver.spans().filter((span) => span.kind === CLIENT);
      assert.ok(
        clients.some((span) => span.name.startsWith('pg.query')),
        `client spans: ${JSON.stringify(clients.map((s) => s.name))}`,
      );
      assert.ok(clients.some((span) => span.name === 'HEAD'));
      const names = receiver.metricNames();
      assert.ok(names.includes('http.server.request.duration'), `metrics: ${names.join(', ')}`);
      assert.ok(
        receiver.headers().every((h) => h['api-key'] === 'test-key'),
        'OTEL_EXPORTER_OTLP_HEADERS reaches the receiver',
      );
    },
  );

  test('without OTEL_EXPORTER_OTLP_ENDPOINT, the process loads none of OpenTelemetry', async () => {
    const before = receiver.spans().length;
    const loads = await runWeb('off', {}, async (url) => {
      const answer = await fetch(`${url}/`, { headers: { 'X-Request-ID': REQUEST_ID } });
      assert.equal(answer.status, 200);
      await answer.arrayBuffer();
    });
    assert.ok(
      loads.some((u) => u.endsWith('/src/app.ts')),
      'the record holds the app itself',
    );
    assert.deepEqual(
      loads.filter((u) => u.includes('/@opentelemetry/')),
      [],
    );
    assert.equal(receiver.spans().length, before);
  });
});
