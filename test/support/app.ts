// Builds the whole app for a test against a config from `env`, with the logs kept in memory.
import { Writable } from 'node:stream';
import { createApp } from '../../src/app.ts';
import { createDeps, loadWebConfig } from '../../src/deps.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { onCleanup } from './cleanup.ts';
import { testDatabase } from './db.ts'; // @step 2+

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** The backing services of this test file, by the variable that reaches each: one line a service. */
const backingServices: Record<string, () => Promise<string>> = {
  DATABASE_URL: async () => (await testDatabase()).url, // @step 2+
};

/** What a web process needs in a test: NODE_ENV, and the URL of each backing service. */
export async function webTestEnv(): Promise<Record<string, string>> {
  const env: Record<string, string> = { NODE_ENV: 'test', LOG_LEVEL: 'info' };
  for (const [name, url] of Object.entries(backingServices)) env[name] = await url();
  return env;
}

export async function buildTestApp(env: Record<string, string> = {}, now?: Date) {
  const config = loadWebConfig({ ...(await webTestEnv()), ...env }, now);
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
  const deps = await createDeps(config, { logger, ...(now ? { now: () => now } : {}) });
  onCleanup(() => deps.services.close());
  return { app: createApp(deps), deps, logs };
}
