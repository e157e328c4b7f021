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
// @end
// @step 2-4
//~ import { createSessionStore } from './platform/session.ts';
// @end
import { emailConfig } from './email/email.config.ts'; // @step 3+
// @step 4+
import { s3Config } from './platform/s3.config.ts';
import { openBucket } from './platform/s3.ts';
// @end
// @step 5+
import { clusterConfig } from './platform/cluster.config.ts';
import { createRateLimits } from './platform/rate-limits.ts';
import { redisConfig } from './platform/redis.config.ts';
import { sharedSessionStore } from './platform/redis-session.ts';
import { openRedis } from './platform/redis.ts';
// @end
import { environmentConfig } from './platform/environment.config.ts'; // @step 6+
import { unsubscribeConfig } from './digest/digest.config.ts'; // @step 7+
import { runtimeMetricsConfig } from './platform/runtime-metrics.config.ts'; // @step 8+
import { httpsConfig } from './platform/https.config.ts'; // @step 9+

export const webParts = {
  web: webConfig,
  campaign: campaignConfig,
  // @step 2+
  database: databaseConfig,
  session: sessionConfig,
  // @end
  email: emailConfig, // @step 3+
  s3: s3Config, // @step 4+
  // @step 5+
  redis: redisConfig,
  cluster: clusterConfig,
  // @end
  environment: environmentConfig, // @step 6+
  unsubscribe: unsubscribeConfig, // @step 7+
  metrics: runtimeMetricsConfig, // @step 8+
  https: httpsConfig, // @step 9+
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
  const redis = openRedis(config.redis, logger, services); // @step 5+
  const deps = {
    config,
    logger,
    now: overrides.now ?? (() => new Date()),
    services,
    // @step 2+
    db: openDatabase(config.database, logger, services),
    // @end
    // @step 2-4
    //~ sessionStore: createSessionStore(),
    // @end
    bucket: openBucket(config.s3, services), // @step 4+
    // @step 5+
    sessionStore: sharedSessionStore(redis, config.redis),
    limits: createRateLimits(redis, config.redis),
    // @end
  };
  await services.ready();
  return deps;
}

export type Deps = Awaited<ReturnType<typeof createDeps>>;
