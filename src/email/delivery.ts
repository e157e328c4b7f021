// Delivers the outbox: one message per transaction, locked while it is sent, then marked sent, retried
// later with a growing delay, or failed for good. One log line per attempt.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../platform/db.ts';
import type { Logger } from '../platform/logger.ts';
import { isPermanentRejection, type Mailer } from './mailer.ts';
import type { OutboxRepo } from './outbox.repo.ts';

export type Outcome = 'idle' | 'sent' | 'retry' | 'failed';

export interface DeliveryOptions {
  db: Db;
  outbox: OutboxRepo;
  mailer: Mailer;
  logger: Logger;
  maxAttempts: number;
  retryBaseMs: number;
  pollMs: number;
  random?: () => number;
}

const MAX_DELAY_MS = 60 * 60 * 1000;

/** base × 2^(attempt−1), at most an hour, ±20% so that failed messages do not all retry at once. */
export function retryDelay(
  attempt: number,
  baseMs: number,
  random: () => number = Math.random,
): number {
  const delay = Math.min(baseMs * 2 ** (attempt - 1), MAX_DELAY_MS);
  return Math.round(delay * (0.8 + 0.4 * random()));
}

export function createDelivery(options: DeliveryOptions) {
  const { db, outbox, mailer, logger } = options;

  // #region deliver
  async function deliverNext(): Promise<Outcome> {
    return db.transaction(async (trx): Promise<Outcome> => {
      const message = await outbox.claimNext(trx);
      if (!message) return 'idle';
      const attempt = message.attempts + 1;
      const log = { outboxId: message.id, kind: message.kind, attempt };
      const started = performance.now();
      try {
        await mailer.send(message);
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        if (isPermanentRejection(err) || attempt >= options.maxAttempts) {
          await outbox.markFailed(trx, message.id, error);
          logger.error({ ...log, outcome: 'failed', error }, 'email failed for good');
          return 'failed';
        }
        const delayMs = retryDelay(attempt, options.retryBaseMs, options.random);
        await outbox.markRetry(trx, message.id, error, delayMs);
        logger.warn(
          { ...log, outcome: 'retry', retryInMs: delayMs, error },
          'email delivery failed, will retry',
        );
        return 'retry';
      }
      await outbox.markSent(trx, message.id);
      logger.info(
        { ...log, outcome: 'sent', ms: Math.round(performance.now() - started) },
        'email sent',
      );
      return 'sent';
    });
  }
  // #endregion

  /** Delivers until `signal` aborts; the message in hand is always finished first. */
  async function run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let outcome: Outcome | 'error';
      try {
        outcome = await deliverNext();
      } catch (err) {
        // The database is away: nothing was claimed or changed, so wait and try again.
        logger.warn({ err }, 'outbox not reachable, will try again');
        outcome = 'error';
      }
      if (outcome === 'idle' || outcome === 'error') {
        await sleep(options.pollMs, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  return { deliverNext, run };
}
