// The database's part of the config: where Postgres is and how the pool treats it.
import { z } from 'zod';
import { configPart, whenMissing } from '../config.ts';

export const databaseConfig = configPart({
  variables: {
    DATABASE_URL: z.url({
      protocol: /^postgres(ql)?$/,
      hostname: /./,
      error: whenMissing(
        'not set: `npm run dev` starts a local Postgres for you; on Heroku, add the Postgres add-on',
        'expected a URL such as postgres://user:password@host:5432/database',
      ),
    }),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(5),
    DATABASE_TIMEOUT_MS: z.coerce.number().int().min(100).max(30000).default(5000),
    // Well under the router's 30 s, which ends a request with H12 whatever the app was waiting for.
    DATABASE_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(20000).default(5000),
  },
  settings: (v, { production }) => ({
    url: v.DATABASE_URL,
    poolMax: v.DATABASE_POOL_MAX,
    timeoutMs: v.DATABASE_TIMEOUT_MS,
    /** How long one statement may take; 0 for none (the release phase). */
    queryTimeoutMs: v.DATABASE_QUERY_TIMEOUT_MS,
    // Heroku Postgres requires TLS with a certificate from its own CA; an sslmode in the URL wins.
    ssl: production && !/[?&]sslmode=/.test(v.DATABASE_URL),
  }),
});
