// Builds the app's dependencies from config: the one place that opens connections to backing services.
import type { Config } from './config.ts';
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

  return {
    config,
    logger,
    now: overrides.now ?? (() => new Date()),
    healthChecks,
    /** Closes every connection in reverse order of opening. */
    async close(): Promise<void> {
      for (const close of closers.toReversed()) await close();
    },
  };
}

export type Deps = Awaited<ReturnType<typeof createDeps>>;
