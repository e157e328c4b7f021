// Builds the whole app for a test against a config from `env`, with the logs kept in memory.
import { Writable } from 'node:stream';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createDeps } from '../../src/deps.ts';
import { createLogger } from '../../src/platform/logger.ts';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export async function buildTestApp(env: Record<string, string> = {}, now?: Date) {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'info', ...env }, now);
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
  return { app: createApp(deps), deps, logs };
}
