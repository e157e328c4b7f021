// Builds the whole app for a test against a config from `env`, with the logs kept in memory.
import { Writable } from 'node:stream';
import { createApp } from '../../src/app.ts';
import { createDeps, loadWebConfig } from '../../src/deps.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { onCleanup } from './cleanup.ts';
import { testDatabase } from './db.ts'; // @step 2+
import { testBucket } from './bucket.ts'; // @step 4+
import { testRedis } from './redis.ts'; // @step 5+

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** The backing services of this test file, each as the variables that reach it: one line a service. */
const backingServices: Array<() => Promise<Record<string, string>>> = [
  async () => ({ DATABASE_URL: (await testDatabase()).url }), // @step 2+
  async () => (await testBucket()).env, // @step 4+
  async () => (await testRedis())?.env ?? {}, // @step 5+
];

/** What a web process needs in a test: NODE_ENV, and the variables of each backing service. */
export async function webTestEnv(): Promise<Record<string, string>> {
  const env: Record<string, string> = { NODE_ENV: 'test', LOG_LEVEL: 'info' };
  for (const variables of backingServices) Object.assign(env, await variables());
  return env;
}

/** The app on this file's backing services; `now` fixes the clock, or moves it when a function. */
export async function buildTestApp(env: Record<string, string> = {}, now?: Date | (() => Date)) {
  const clock = typeof now === 'function' ? now : now && (() => now);
  const config = loadWebConfig({ ...(await webTestEnv()), ...env }, clock?.());
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line) logs.push(JSON.parse(line) as LogLine);
      }
      done();
    },
  });
  const logger = createLogger(config.log, sink);
  const deps = await createDeps(config, { logger, ...(clock ? { now: clock } : {}) });
  onCleanup(() => deps.services.close());
  return { app: createApp(deps), deps, logs };
}
