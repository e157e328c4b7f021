// How often logins and sign-ups may be tried, counted together by every process of every dyno.
import { createHash } from 'node:crypto';
import type { Limit } from '../platform/rate-limits.ts';

const MINUTES = 60;

/** Wrong or right, from one address: enough for an office behind one NAT, not for a guessing script. */
export const LOGIN_PER_ADDRESS: Limit = {
  name: 'login-ip',
  points: 30,
  seconds: 15 * MINUTES,
  message: 'Too many login attempts from your network.',
};

/** For one account from one address; a successful login clears it. */
export const LOGIN_PER_ACCOUNT_HERE: Limit = {
  name: 'login-account-ip',
  points: 10,
  seconds: 15 * MINUTES,
  message: 'Too many login attempts for this account.',
};

/**
 * For one account from anywhere, a ceiling on guessing from many machines; a successful login clears it.
 * Past it, an address that has not tried this account in the window still gets its first try.
 */
export const LOGIN_PER_ACCOUNT: Limit = {
  name: 'login-account',
  points: 10,
  seconds: 15 * MINUTES,
  message: 'Too many login attempts for this account.',
};

export const SIGNUP_PER_ADDRESS: Limit = {
  name: 'signup-ip',
  points: 10,
  seconds: 60 * MINUTES,
  message: 'Too many sign-ups from your network.',
};

/** An account's key in the counters: a digest, so that Redis holds no email address. */
export const accountKey = (email: string): string =>
  createHash('sha256').update(email.trim().toLowerCase()).digest('base64url').slice(0, 22);
