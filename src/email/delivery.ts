// Delivers the outbox: one message per transaction, locked while it is sent, then marked sent, retried
// later with a growing delay, or failed for good, with one log line per attempt. When SMTP itself
// cannot be used, no message is charged for it: the whole worker pauses, longer each time.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { missingTable, type Db } from '../platform/db.ts';
import { enterLogContext } from '../platform/log-context.ts'; // @step 8+
import type { Logger } from '../platform/logger.ts';
import { classifySendError, unavailableReason, type Mailer } from './mailer.ts';
import type { OutboxMessage, OutboxRepo } from './outbox.repo.ts';

export type Outcome = 'idle' | 'sent' | 'retry' | 'failed' | 'unavailable';

export interface DeliveryOptions {
  db: Db;
  outbox: OutboxRepo;
  mailer: Mailer;
  logger: Logger;
  maxAttempts: number;
  retryBaseMs: number;
  pollMs: number;
  /** The first pause when SMTP cannot be used; it doubles up to PAUSE_MAX_MS. 5 s by default. */
  pauseBaseMs?: number;
  random?: () => number;
}

const MAX_DELAY_MS = 60 * 60 * 1000;
const PAUSE_MAX_MS = 5 * 60 * 1000;

/** Thrown inside the claim's transaction, so that it rolls back and the message stays as it was. */
class SmtpUnavailable extends Error {
  readonly reason: string;

  constructor(reason: string) {
    super(reason);
    this.reason = reason;
  }
}

/** base × 2^(attempt−1), at most an hour, ±20% so that failed messages do not all retry at once. */
export function retryDelay(
  attempt: number,
  baseMs: number,
  random: () => number = Math.random,
  maxMs = MAX_DELAY_MS,
): number {
  const delay = Math.min(baseMs * 2 ** (attempt - 1), maxMs);
  return Math.round(delay * (0.8 + 0.4 * random()));
}

/** The pause after the nth failure in a row to use SMTP: doubling from the base, at most 5 min. */
export function pauseDelay(n: number, baseMs: number, random: () => number = Math.random): number {
  return retryDelay(n, baseMs, random, PAUSE_MAX_MS);
}

export function createDelivery(options: DeliveryOptions) {
  const { db, outbox, mailer, logger } = options;

  let unavailable: string | undefined;

  async function deliverNext(): Promise<Outcome> {
    try {
      return await db.transaction(claimAndSend);
    } catch (err) {
      if (!(err instanceof SmtpUnavailable)) throw err;
      unavailable = err.reason;
      return 'unavailable';
    }
  }

  async function claimAndSend(trx: Knex.Transaction): Promise<Outcome> {
    const message = await outbox.claimNext(trx);
    if (!message) return 'idle';
    enterLogContext({ requestId: message.requestId }); // @step 8+
    const log = { outboxId: message.id, kind: message.kind, attempt: message.attempts + 1 };
    const started = performance.now();
    try {
      await mailer.send(message);
    } catch (err) {
      return afterFailure(trx, message, log, err);
    }
    await outbox.markSent(trx, message.id);
    const ms = Math.round(performance.now() - started);
    logger.info({ ...log, outcome: 'sent', ms }, 'email sent');
    return 'sent';
  }

  async function afterFailure(
    trx: Knex.Transaction,
    message: OutboxMessage,
    log: { attempt: number },
    err: unknown,
  ): Promise<Outcome> {
    // #region failure
    const failure = classifySendError(err);
    // Rolls the claim back: SMTP itself is unusable, so the message is not charged an attempt.
    if (failure === 'unavailable') throw new SmtpUnavailable(unavailableReason(err));
    const error = err instanceof Error ? err.message : String(err);
    if (failure === 'rejected' || log.attempt >= options.maxAttempts) {
      await outbox.markFailed(trx, message.id, error);
      logger.error({ ...log, outcome: 'failed', error }, 'email failed for good');
      return 'failed';
    }
    const retryInMs = retryDelay(log.attempt, options.retryBaseMs, options.random);
    await outbox.markRetry(trx, message.id, error, retryInMs);
    logger.warn(
      { ...log, outcome: 'retry', retryInMs, error },
      'email delivery failed, will retry',
    );
    return 'retry';
    // #endregion
  }

  /** Delivers until `signal` aborts; the message in hand is always finished first. */
  async function run(signal: AbortSignal): Promise<void> {
    let pauses = 0;
    while (!signal.aborted) {
      let outcome: Outcome | 'error';
      try {
        outcome = await deliverNext();
      } catch (err) {
        // The database is away, or not migrated yet: nothing was claimed or changed, so wait and try
        // again. A missing table was already said once, with what to run (openDatabase).
        if (missingTable(err) === undefined)
          logger.warn({ err }, 'outbox not reachable, will try again');
        outcome = 'error';
      }
      let waitMs = 0;
      if (outcome === 'unavailable') {
        pauses += 1;
        waitMs = pauseDelay(pauses, options.pauseBaseMs ?? 5000, options.random);
        logger.error(
          { outcome, pauseMs: waitMs, pauses },
          `email paused for ${Math.round(waitMs / 1000)} s, nothing lost: ${unavailable}`,
        );
      } else {
        if (outcome === 'sent' && pauses > 0) logger.info({ pauses }, 'SMTP works again');
        if (outcome !== 'error') pauses = 0;
        if (outcome === 'idle' || outcome === 'error') waitMs = options.pollMs;
      }
      if (waitMs > 0) await sleep(waitMs, undefined, { signal }).catch(() => undefined);
    }
  }

  return { deliverNext, run };
}
