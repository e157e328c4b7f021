// Builds the whole app for a test against a config from `env`, with the logs kept in memory.
import { after } from 'node:test'; // @step 2+
import { Writable } from 'node:stream';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createDeps } from '../../src/deps.ts';
import type { Deps } from '../../src/deps.ts'; // @step 2+
import { createLogger } from '../../src/platform/logger.ts';
import { createTestDatabase, type TestDatabase } from './db.ts'; // @step 2+

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

// @step 2+
const opened: Deps[] = [];
let database: Promise<TestDatabase> | undefined;

/** The test file's database, created and migrated on first use and dropped when the file ends. */
export function testDatabase(): Promise<TestDatabase> {
  database ??= createTestDatabase();
  return database;
}

after(async () => {
  for (const deps of opened.splice(0)) await deps.close();
  if (database) await (await database).drop();
});
// @end

// @step 3+
/** The web process never connects to SMTP (the worker does), so any well-formed URL will do. */
export const WEB_SMTP_URL = 'smtp://127.0.0.1:2525';
// @end

export async function buildTestApp(env: Record<string, string> = {}, now?: Date) {
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: (await testDatabase()).url, // @step 2+
      SMTP_URL: WEB_SMTP_URL, // @step 3+
      ...env,
    },
    now,
  );
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
  opened.push(deps); // @step 2+
  return { app: createApp(deps), deps, logs };
}
