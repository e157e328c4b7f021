// Redis for one test file: the machine's at TEST_REDIS_URL, under a key prefix of the file's own (CI sets
// it), or a private redis-server when one is installed; with TLS and a password when asked, as on Heroku.
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { generate } from 'selfsigned';
import { findRedisServer, type LocalRedis, startLocalRedis } from '../../scripts/dev/index.ts';
import { onCleanup } from './cleanup.ts';

export interface TestRedis {
  /** REDIS_URL and REDIS_KEY_PREFIX, for the app. */
  env: Record<string, string>;
  url: string;
  prefix: string;
  /** The keys this file has written, without the prefix, sorted. */
  keys(pattern?: string): Promise<string[]>;
}

async function open(url: string, prefix: string): Promise<TestRedis> {
  const client = createClient({
    url,
    socket: url.startsWith('rediss:') ? { tls: true, rejectUnauthorized: false } : {},
  });
  await client.connect();
  onCleanup(async () => {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(keys);
    await client.close();
  });
  return {
    env: { REDIS_URL: url, REDIS_KEY_PREFIX: prefix },
    url,
    prefix,
    async keys(pattern = '*') {
      const keys = await client.keys(`${prefix}${pattern}`);
      return keys.map((key) => key.slice(prefix.length)).sort();
    },
  };
}

let shared: Promise<TestRedis | undefined> | undefined;

/**
 * The file's Redis when the run has one: TEST_REDIS_URL under a fresh prefix. Unset, the app keeps
 * sessions in its memory, as on a laptop without Redis.
 */
export function testRedis(): Promise<TestRedis | undefined> {
  const url = process.env.TEST_REDIS_URL;
  if (!url) return Promise.resolve(undefined);
  shared ??= open(url, `test:${randomBytes(4).toString('hex')}:`);
  return shared;
}

export const NO_REDIS = 'needs Redis: install redis-server, or set TEST_REDIS_URL';

/**
 * A Redis these tests need whatever the run: TEST_REDIS_URL, else a private redis-server. Without either,
 * undefined, for the tests to skip with NO_REDIS; unless REQUIRE_REDIS=1 (CI) makes that a failure.
 */
export async function requireRedis(): Promise<TestRedis | undefined> {
  const existing = await testRedis();
  if (existing) return existing;
  if (await findRedisServer()) {
    const server = await privateRedis();
    return open(server.url, 'test:');
  }
  if (process.env.REQUIRE_REDIS === '1') throw new Error(NO_REDIS);
  return undefined;
}

/** A redis-server of this file's own (one it may stop), stopped when the file ends. */
export async function privateRedis(
  options: Parameters<typeof startLocalRedis>[0] = {},
): Promise<LocalRedis> {
  const server = await startLocalRedis(options);
  onCleanup(() => server.stop());
  return server;
}

/** A self-signed certificate for 127.0.0.1, as Heroku's Key-Value Store presents one of its own. */
export async function selfSignedCertificate(): Promise<{ key: string; cert: string }> {
  const pems = await generate([{ name: 'commonName', value: 'redis.test' }], {
    notAfterDate: new Date(Date.now() + 24 * 60 * 60 * 1000),
    keySize: 2048,
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  return { key: pems.private, cert: pems.cert };
}
