// Comparing a secret the client sent with the one the app holds, without the time taken telling how much matched.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Whether `given` is the string `expected`; comparing digests keeps even the length from leaking. */
export function equalInConstantTime(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  return timingSafeEqual(digest(expected), digest(given));
}
