// The config of db:backup and db:restore: which database, and what tells a production one.
import { z } from 'zod';
import { configPart } from '../../src/config.ts';
import { ENVIRONMENTS } from '../../src/platform/environment.config.ts';
import { databaseConfig } from '../../src/platform/db.config.ts';

export const backupConfig = configPart({
  variables: {
    DATABASE_URL: databaseConfig.variables.DATABASE_URL,
    // Optional here, unlike for the app: a restore that cannot tell counts the target as production.
    APP_ENV: z
      .enum(ENVIRONMENTS, { error: `must be one of ${ENVIRONMENTS.join(', ')}` })
      .optional(),
  },
  settings: (v, { production }) => ({
    url: v.DATABASE_URL,
    /** Why NODE_ENV or APP_ENV make this a production database, or undefined. */
    productionBy: production
      ? 'NODE_ENV=production'
      : v.APP_ENV === 'production'
        ? 'APP_ENV=production'
        : undefined,
  }),
});
