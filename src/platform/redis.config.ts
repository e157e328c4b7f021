// Redis's part of the config: where the store for sessions and rate limits is, shared by every process.
import { z } from 'zod';
import { configPart, requiredInProduction } from '../config.ts';

export const redisConfig = configPart({
  variables: {
    REDIS_URL: requiredInProduction(
      z.url({
        protocol: /^rediss?$/,
        hostname: /./,
        error: 'expected a URL such as redis://127.0.0.1:6379 or rediss://:password@host:port',
      }),
      'required in production, where every process must see the same sessions and rate limits ' +
        '(a process keeps the in-memory store to itself): heroku addons:create heroku-redis:mini',
    ),
    REDIS_KEY_PREFIX: z
      .string()
      .regex(/^[\w:.-]{0,40}$/, 'expected up to 40 letters, digits, and _ : . -')
      .default(''),
  },
  settings: (v) => ({
    /** Unset outside production: each process keeps sessions and counters in its own memory. */
    url: v.REDIS_URL,
    // Heroku's Key-Value Store requires TLS, with a certificate of its own that no public CA signed.
    tls: v.REDIS_URL?.startsWith('rediss:') ?? false,
    /** Put before every key this app writes, so that apps or test runs can share one Redis. */
    keyPrefix: v.REDIS_KEY_PREFIX,
  }),
});
