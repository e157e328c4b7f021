// Builds the app's dependencies from config: the one place that opens connections to backing services.
import session from 'express-session'; // @step 2+
import type { Config } from './config.ts';
import { assertDbReachable, createDb, pingDb } from './platform/db.ts'; // @step 2+
import type { HealthCheck } from './platform/health.ts';
import { createLogger, type Logger } from './platform/logger.ts';

export interface DepsOverrides {
  logger?: Logger;
  now?: () => Date;
}

export async function createDeps(config: Config, overrides: DepsOverrides = {}) {
  const logger = overrides.logger ?? createLogger(config.log);
  const healthChecks: HealthCheck[] = [];
  const closers: Array<() => Promise<void>> = [];

  // @step 2+
  const db = createDb(config.database, logger);
  await assertDbReachable(db, config.database.url);
  closers.push(() => db.destroy());
  healthChecks.push({ name: 'database', check: () => pingDb(db) });
  // @end

  // @step 2+
  // #region session-store
  // Sessions live in this process's memory: fine for one dyno, lost on restart, not shared between dynos.
  const sessionStore = new session.MemoryStore();
  // #endregion
  // @end

  return {
    config,
    logger,
    now: overrides.now ?? (() => new Date()),
    healthChecks,
    db, // @step 2+
    sessionStore, // @step 2+
    /** Closes every connection in reverse order of opening. */
    async close(): Promise<void> {
      for (const close of closers.toReversed()) await close();
    },
  };
}

export type Deps = Awaited<ReturnType<typeof createDeps>>;
