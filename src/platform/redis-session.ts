// Sessions kept in Redis (connect-redis), so that every process on every dyno sees the same logins.
import { RedisStore } from 'connect-redis';
import type { Store } from 'express-session';
import { command, type Redis, type RedisSettings } from './redis.ts';
import { createSessionStore } from './session.ts';

/** Sessions in Redis when the process has one; else in its own memory (development without Redis). */
export function sharedSessionStore(redis: Redis | undefined, settings: RedisSettings): Store {
  if (!redis) return createSessionStore();
  return new RedisStore({
    client: outagesNamed(redis),
    prefix: `${settings.keyPrefix}sess:`,
    // The key expires when the cookie does, a week after login: no EXPIRE on every request.
    disableTouch: true,
  });
}

/** The commands connect-redis sends, each failing with a RedisUnavailableError during an outage. */
function outagesNamed(redis: Redis) {
  return {
    get: (key: string) => command(() => redis.get(key)),
    set: (key: string, value: string, options: Parameters<Redis['set']>[2]) =>
      command(() => redis.set(key, value, options)),
    expire: (key: string, seconds: number) => command(() => redis.expire(key, seconds)),
    del: (keys: string[]) => command(() => redis.del(keys)),
    mGet: (keys: string[]) => command(() => redis.mGet(keys)),
    scanIterator: (options: Parameters<Redis['scanIterator']>[0]) => redis.scanIterator(options),
  };
}
