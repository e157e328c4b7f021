// The runtime-metrics line: on in production every minute, off elsewhere unless asked; it sees a
// blocked event loop, and a web and a worker process each write it at the interval they are given.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { runtimeMetricsConfig } from '../../src/platform/runtime-metrics.config.ts';
import { l2met, startRuntimeMetrics } from '../../src/platform/runtime-metrics.ts';
import { webTestEnv, type LogLine } from '../support/app.ts';
import { start, startWeb, withTimeout, type Child } from '../support/process.ts';

const parts = { metrics: runtimeMetricsConfig };

/** The runtime lines a child has written so far. */
const runtimeLines = (child: Child) =>
  child
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes('"runtime"'))
    .map((line) => JSON.parse(line) as LogLine & { runtime: Record<string, unknown> });

async function until<T>(what: string, probe: () => T | undefined, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('runtime metrics', () => {
  test('every 60 s in production, off in development and tests, or as RUNTIME_METRICS_SECONDS says', () => {
    const production = { NODE_ENV: 'production' };
    assert.equal(loadConfig(production, parts).metrics.intervalMs, 60_000);
    assert.equal(loadConfig({}, parts).metrics.intervalMs, 0);
    assert.equal(loadConfig({ NODE_ENV: 'test' }, parts).metrics.intervalMs, 0);
    assert.equal(
      loadConfig({ ...production, RUNTIME_METRICS_SECONDS: '0' }, parts).metrics.intervalMs,
      0,
    );
    assert.equal(loadConfig({ RUNTIME_METRICS_SECONDS: '20' }, parts).metrics.intervalMs, 20_000);
    assert.throws(
      () => loadConfig({ RUNTIME_METRICS_SECONDS: 'often' }, parts),
      /RUNTIME_METRICS_SECONDS/,
    );
  });

  test('a sample sees the event loop blocked for 200 ms, and its line is l2met', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ level: 'info', pretty: false }, sink);
    const metrics = startRuntimeMetrics({ intervalMs: 60_000 }, logger);
    try {
      await new Promise((r) => setTimeout(r, 100));
      const end = Date.now() + 200;
      while (Date.now() < end);
      await new Promise((r) => setTimeout(r, 50));
      const sample = metrics.sample();
      assert.ok(sample.eventLoopDelayMs.max >= 150, `max ${sample.eventLoopDelayMs.max} ms`);
      assert.ok(
        sample.rssMb > 0 && sample.heapUsedMb > 0 && sample.heapUsedMb <= sample.heapTotalMb,
      );
      assert.ok(sample.activeHandles >= 1);
      // A sample starts the histogram over: the next one no longer sees the block.
      await new Promise((r) => setTimeout(r, 50));
      assert.ok(metrics.sample().eventLoopDelayMs.max < 150);
      assert.match(
        l2met(sample),
        /^sample#node\.eventloop\.p50=[\d.]+ms sample#node\.eventloop\.p99=[\d.]+ms sample#node\.eventloop\.max=[\d.]+ms sample#node\.heap_used=[\d.]+MB sample#node\.heap_total=[\d.]+MB sample#node\.rss=[\d.]+MB sample#node\.active_handles=\d+$/,
      );
    } finally {
      metrics.stop();
    }
  });

  test('web and worker write a line at the interval they are given, and none without one', async () => {
    const env = await webTestEnv();
    const web = await startWeb({ ...env, RUNTIME_METRICS_SECONDS: '1' });
    const worker = start(['src/worker.ts'], {
      NODE_ENV: 'test',
      DATABASE_URL: env.DATABASE_URL!,
      SMTP_URL: 'smtp://127.0.0.1:1',
      RUNTIME_METRICS_SECONDS: '1',
    });
    const quiet = await startWeb(env);
    try {
      for (const child of [web.child, worker]) {
        const [line] = await until('a runtime line', () => {
          const found = runtimeLines(child);
          return found.length >= 2 ? found : undefined;
        });
        assert.match(line!.msg, /^sample#node\.eventloop\.p50=/);
        assert.equal(typeof line!.runtime.rssMb, 'number');
      }
      assert.deepEqual(runtimeLines(quiet.child), []);
    } finally {
      worker.process.kill('SIGTERM');
      await withTimeout(worker.exited, 30_000, 'the worker to stop');
    }
  });
});
