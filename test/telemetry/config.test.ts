// Telemetry's config part: off unless an endpoint is set, a malformed endpoint stops startup, and the
// preload says so in one line before the app has loaded.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { telemetryConfig } from '../../src/platform/telemetry.config.ts';
import { start, withTimeout } from '../support/process.ts';

const load = (env: Record<string, string>) => loadConfig(env, { telemetry: telemetryConfig });

test('without OTEL_EXPORTER_OTLP_ENDPOINT telemetry is off, in production too', () => {
  assert.equal(load({}).telemetry.endpoint, undefined);
  assert.equal(
    load({ NODE_ENV: 'production', OTEL_EXPORTER_OTLP_ENDPOINT: '' }).telemetry.endpoint,
    undefined,
  );
});

test('an endpoint turns it on, under the service name campaign-kit unless OTEL_SERVICE_NAME says', () => {
  const on = load({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp.example.com' }).telemetry;
  assert.deepEqual(on, {
    endpoint: 'https://otlp.example.com',
    serviceName: 'campaign-kit',
    metricIntervalMs: 60_000,
  });
  const named = load({
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
    OTEL_SERVICE_NAME: 'kit-staging',
  });
  assert.equal(named.telemetry.serviceName, 'kit-staging');
});

test('a malformed endpoint or interval is a config error naming the variable', () => {
  for (const [name, value] of [
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'otlp.example.com:4318'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'grpc://otlp.example.com'],
    ['OTEL_METRIC_EXPORT_INTERVAL', '10'],
  ] as const) {
    assert.throws(
      () => load({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', [name]: value }),
      (err: unknown) =>
        err instanceof ConfigError && err.problems.some((p) => p.startsWith(`${name}:`)),
      `${name}=${value}`,
    );
  }
});

test('the preload stops the process with exit 1 and the variable to fix, before the app runs', async () => {
  const child = start(['--import', './src/telemetry.ts', '-e', 'console.log("the app ran")'], {
    OTEL_EXPORTER_OTLP_ENDPOINT: 'otlp.example.com',
  });
  const { code } = await withTimeout(child.exited, 15_000, 'the preload');
  assert.equal(code, 1);
  assert.match(
    child.output(),
    /^telemetry: Invalid configuration:\n {2}- OTEL_EXPORTER_OTLP_ENDPOINT: expected the base URL/,
  );
  assert.doesNotMatch(child.output(), /the app ran/);
});
