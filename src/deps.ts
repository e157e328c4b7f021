// The web process's dependencies: the config parts it reads and the backing services it opens, one
// line per feature. The one place where web connects to anything.
import { loadConfig, type Config, type Env } from './config.ts';
import { campaignConfig } from './campaign/campaign.config.ts';
import { BackingServices } from './platform/backing-services.ts';
import { createLogger, type Logger } from './platform/logger.ts';
import { webConfig } from './web/web.config.ts';
// @step 2+
import { databaseConfig } from './platform/db.config.ts';
import { openDatabase } from './platform/db.ts';
import { sessionConfig } from './platform/session.config.ts';
import { createSessionStore } from './platform/session.ts';
// @end
import { emailConfig } from './email/email.config.ts'; // @step 3+
// @step 4+
import { s3Config } from './platform/s3.config.ts';
import { openBucket } from './platform/s3.ts';
// @end

export const webParts = {
  web: webConfig,
  campaign: campaignConfig,
  // @step 2+
  database: databaseConfig,
  session: sessionConfig,
  // @end
  email: emailConfig, // @step 3+
  s3: s3Config, // @step 4+
};

export type WebConfig = Config<typeof webParts>;

export const loadWebConfig = (env: Env, now?: Date): WebConfig => loadConfig(env, webParts, now);

export interface DepsOverrides {
  logger?: Logger;
  now?: () => Date;
}

export async function createDeps(config: WebConfig, overrides: DepsOverrides = {}) {
  const logger = overrides.logger ?? createLogger(config.log);
  const services = new BackingServices();
  const deps = {
    config,
    logger,
    now: overrides.now ?? (() => new Date()),
    services,
    // @step 2+
    db: openDatabase(config.database, logger, services),
    sessionStore: createSessionStore(),
    // @end
    bucket: openBucket(config.s3, services), // @step 4+
  };
  await services.ready();
  return deps;
}

export type Deps = Awaited<ReturnType<typeof createDeps>>;
