// The Redis connection (node-redis) shared by sessions and rate limits: TLS as Heroku gives it, fast
// failures during an outage, reconnection without a restart, and how an outage is recognised.
import { createClient } from 'redis';
import { withDeadline, type BackingServices } from './backing-services.ts';
import type { SettingsOf } from '../config.ts';
import { messageOf } from './errors.ts';
import type { Logger } from './logger.ts';
import type { redisConfig } from './redis.config.ts';
import { StartupError } from './startup.ts';

export type RedisSettings = SettingsOf<typeof redisConfig>;
export type Redis = ReturnType<typeof connect>;

const CONNECT_TIMEOUT_MS = 3000;
/** Far beyond any answer of a healthy Redis, well within the router's 30 s. */
const COMMAND_TIMEOUT_MS = 3000;
/** The longest wait between two reconnection attempts during an outage. */
const MAX_RECONNECT_DELAY_MS = 2000;

/** Thrown by commands while Redis is away; the client's own error is kept in `reason`. */
export class RedisUnavailableError extends Error {
  readonly reason: unknown;

  constructor(reason: unknown) {
    super(`Redis is not answering: ${messageOf(reason)}`);
    this.name = 'RedisUnavailableError';
    this.reason = reason;
  }
}

function connect(settings: RedisSettings & { url: string }, onReconnect: () => boolean) {
  return createClient({
    url: settings.url,
    socket: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      // At start, the first failure is final (the process should say so and exit); once connected,
      // an outage is waited out, retrying sooner at first and every two seconds at most.
      reconnectStrategy: (retries: number, cause: Error) =>
        onReconnect() ? Math.min(2 ** retries * 50, MAX_RECONNECT_DELAY_MS) : cause,
      // Heroku's certificate is self-signed: the connection is encrypted, but the server is not verified.
      ...(settings.tls ? { tls: true, rejectUnauthorized: false } : { tls: false }),
    },
    // Without this, a command sent during an outage waits, unanswered, until Redis comes back.
    disableOfflineQueue: true,
    // Notices a connection that a proxy or the network dropped silently, before a visitor does.
    pingInterval: 10_000,
  });
}

/**
 * Connects to Redis and registers it with the process's backing services: checked before the process
 * says it is up, pinged by /healthz, its outages answered with 503s, closed at shutdown.
 * Without a URL (outside production) there is no Redis: the stores fall back to the process's memory.
 */
export function openRedis(
  settings: RedisSettings,
  logger: Logger,
  services: BackingServices,
): Redis | undefined {
  const { url } = settings;
  if (url === undefined) {
    logger.warn(
      'REDIS_URL is not set: sessions and rate limits are kept in this process, lost when it restarts ' +
        'and not seen by any other process (npm run dev starts a Redis when redis-server is installed)',
    );
    return undefined;
  }
  let connected = false;
  let down = false;
  const client = connect({ ...settings, url }, () => connected);
  client.on('ready', () => {
    if (down) logger.info('redis is back');
    connected = true;
    down = false;
  });
  // Without a listener an 'error' event would end the process; one line per outage is enough.
  client.on('error', (err: unknown) => {
    if (!connected || down) return;
    down = true;
    logger.warn({ detail: messageOf(err) }, 'redis connection lost: reconnecting');
  });
  const first = client.connect();
  // The check at start reports this failure; nothing else waits for it.
  first.catch(() => undefined);
  services.add({
    name: 'redis',
    check: async () => {
      await first;
      await command(() => client.ping());
    },
    unreachable: (err) =>
      new StartupError(
        `cannot reach Redis at ${describeRedis(url)}: ${messageOf(unwrap(err))}`,
        'Check REDIS_URL (heroku config:get REDIS_URL), or unset it locally: `npm run dev` starts a Redis.',
        { cause: err },
      ),
    describeOutage: (err) =>
      err instanceof RedisUnavailableError
        ? 'Logins are not available for a moment. Please try again in a minute.'
        : undefined,
    close: async () => {
      if (client.isOpen) await client.close();
    },
  });
  return client;
}

/**
 * Runs a Redis command; an error that means "Redis is away" becomes a RedisUnavailableError, and so does
 * no answer within COMMAND_TIMEOUT_MS. node-redis times a command out only until it is written: a Redis
 * that hangs with the connection open would otherwise hold the request until the router gives up.
 */
export async function command<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await withDeadline(
      run(),
      COMMAND_TIMEOUT_MS,
      (ms) => new RedisUnavailableError(`no answer within ${ms} ms`),
    );
  } catch (err) {
    throw isRedisUnavailable(err) ? new RedisUnavailableError(unwrap(err)) : err;
  }
}

const OUTAGE_ERRORS = new Set([
  // A command without an answer within node-redis's default of five seconds: Redis hangs.
  'TimeoutError',
  'CommandTimeoutDuringMaintenanceError',
  'SocketTimeoutDuringMaintenanceError',
  'ClientOfflineError',
  'ClientClosedError',
  'ConnectionTimeoutError',
  'SocketTimeoutError',
  'SocketClosedUnexpectedlyError',
  'ReconnectStrategyError',
]);
const OUTAGE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);

/** True when an error from the client means the connection is gone, rather than a bug or a reply. */
export function isRedisUnavailable(err: unknown): boolean {
  if (err instanceof RedisUnavailableError) return true;
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (OUTAGE_ERRORS.has(err.constructor.name)) return true;
  if (typeof code === 'string' && OUTAGE_CODES.has(code)) return true;
  // Redis answers LOADING while it reads its data back after a restart.
  return /^LOADING\b|connection is not ready|client is (offline|closed)/i.test(err.message);
}

/** Where REDIS_URL points, without the password, for messages. */
export function describeRedis(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.hostname}:${parsed.port || 6379}`;
}

function unwrap(err: unknown): unknown {
  return err instanceof RedisUnavailableError ? err.reason : err;
}
