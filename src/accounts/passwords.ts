// Password hashing with scrypt from Node's standard library: memory-hard, salted per user, run on the
// thread pool (async) so a login never blocks the event loop, a few at a time so a flood of guesses
// cannot take the whole pool, and compared in constant time.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { HttpError } from '../platform/http-errors.ts';

// N=2^15, r=8 costs 32 MiB and tens of milliseconds per hash: cheap for one login, costly for a guesser.
const PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 64;
const SALT_BYTES = 16;

/**
 * How many hashes may run at once. scrypt runs on libuv's thread pool, four threads by default, which
 * also serves file reads (static assets), DNS lookups and zlib: a flood of guesses must not take all of
 * them. Further hashes wait in line, and past MAX_WAITING the check is refused at once.
 */
export const MAX_CONCURRENT_HASHES = 2;
const MAX_WAITING = 100;

export class PasswordCheckBusyError extends HttpError {
  constructor() {
    super(503, 'Too many people are logging in at this moment. Please try again in a few seconds.');
    this.name = 'PasswordCheckBusyError';
  }
}

let running = 0;
const waiting: Array<() => void> = [];

/** How many hashes run now and wait now: what the tests watch. */
export const hashing = {
  get running() {
    return running;
  },
  get waiting() {
    return waiting.length;
  },
};

async function inTurn<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT_HASHES) {
    if (waiting.length >= MAX_WAITING) throw new PasswordCheckBusyError();
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    running += 1;
  }
  try {
    return await work();
  } finally {
    // The slot passes straight to the next in line, so `running` never goes above the bound.
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  }
}

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }) {
  const options: ScryptOptions = { ...params, maxmem: 128 * params.N * params.r * 2 };
  return inTurn(
    () =>
      new Promise<Buffer>((resolve, reject) => {
        scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (err, key) =>
          err ? reject(err) : resolve(key),
        );
      }),
  );
}

/** Returns a self-describing hash: `scrypt$N$r$p$salt$key`, so parameters can be raised later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, PARAMS);
  const { N, r, p } = PARAMS;
  return ['scrypt', N, r, p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

let dummy: Promise<string> | undefined;

/**
 * Spends the same work as a real check when the email is unknown, so the response time does not
 * tell an attacker which emails have accounts.
 */
export async function verifyAgainstNothing(password: string): Promise<false> {
  dummy ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(password, await dummy);
  return false;
}
