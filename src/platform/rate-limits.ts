// Rate limits counted in Redis, so that the attempts made on every process of every dyno add up.
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { Request } from 'express';
import ipaddr from 'ipaddr.js';
import { HttpError } from './http-errors.ts';
import { command, type Redis, type RedisSettings } from './redis.ts';

export interface Limit {
  /** Short and unique, part of the Redis key: "login-ip". */
  readonly name: string;
  /** Attempts allowed in each window. */
  readonly points: number;
  readonly seconds: number;
  /** What the visitor reads with the 429; "Try again in …" follows. */
  readonly message: string;
}

/** What a counted attempt leaves: how many were counted in the window, this one included, and how many remain. */
export interface Taken {
  used: number;
  left: number;
}

export interface RateLimits {
  /**
   * Counts one attempt for `key`; past the limit, throws a 429 with Retry-After, unless `exempt`:
   * then the attempt is counted all the same and let through.
   */
  take(limit: Limit, key: string, options?: { exempt?: boolean }): Promise<Taken>;
  /** Forgets the attempts counted for `key`, as a successful login does for its account. */
  forgive(limit: Limit, key: string): Promise<void>;
}

/**
 * The key of per-address limits: the client's address as the router reported it (`trust proxy`). An IPv6
 * client counts by its /64, the block one subscriber or one server is given, in which every address is
 * theirs to use: counted one by one, each would start a count of its own.
 */
export const addressOf = (req: Request): string =>
  networkOf(req.ip ?? req.socket.remoteAddress ?? 'unknown');

export function networkOf(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  // An IPv4 client reached over IPv6 (::ffff:203.0.113.7) is that IPv4 address.
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${parsed.toString()}/64`).toString()}/64`;
}

/** "in 40 seconds", "in 12 minutes": rounded up, so that trying at that time works. */
export function waitOf(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

/** Counters in Redis when the process has one; else in its own memory (development without Redis). */
export function createRateLimits(redis: Redis | undefined, settings: RedisSettings): RateLimits {
  const limiters = new Map<string, RateLimiterAbstract>();
  const limiterOf = (limit: Limit): RateLimiterAbstract => {
    let limiter = limiters.get(limit.name);
    if (!limiter) {
      const options = {
        keyPrefix: `${settings.keyPrefix}limit:${limit.name}`,
        points: limit.points,
        duration: limit.seconds,
      };
      limiter = redis
        ? // During an outage, fail at once (a 503) rather than wait for a reconnection.
          new RateLimiterRedis({
            ...options,
            storeClient: redis,
            useRedisPackage: true,
            rejectIfRedisNotReady: true,
          })
        : new RateLimiterMemory(options);
      limiters.set(limit.name, limiter);
    }
    return limiter;
  };
  return {
    async take(limit, key, { exempt = false } = {}) {
      try {
        const counted = await command(() => limiterOf(limit).consume(key));
        return { used: counted.consumedPoints, left: counted.remainingPoints };
      } catch (err) {
        // The library rejects with its result, not an Error, when the limit is reached.
        if (!(err instanceof RateLimiterRes)) throw err;
        if (exempt) return { used: err.consumedPoints, left: 0 };
        const seconds = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
        throw new HttpError(429, `${limit.message} Try again in ${waitOf(seconds)}.`, {
          retryAfterSeconds: seconds,
        });
      }
    },
    async forgive(limit, key) {
      await command(() => limiterOf(limit).delete(key));
    },
  };
}
