// How often uploads may be signed, counted together by every process of every dyno.
import type { Limit } from '../platform/rate-limits.ts';

/** A person changes their photo a few times; a script signing thousands of uploads is stopped. */
export const PRESIGN_PER_ADDRESS: Limit = {
  name: 'presign-ip',
  points: 30,
  seconds: 10 * 60,
  message: 'Too many uploads started from your network.',
};
