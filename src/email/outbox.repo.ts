// SQL for the email outbox: enqueue inside a caller's transaction, claim one due message with a row
// lock that other workers skip, and record how its delivery went.
import type { Knex } from 'knex';
import { logContext } from '../platform/log-context.ts'; // @step 8+

export interface OutgoingEmail {
  kind: string;
  to: { address: string; name: string };
  subject: string;
  text: string;
  html: string;
  // @step 7+
  /** Headers of its own, such as List-Unsubscribe; written by batch jobs, read by the worker. */
  headers?: Readonly<Record<string, string>>;
  // @end
}

export interface OutboxMessage extends OutgoingEmail {
  id: string;
  attempts: number;
  createdAt: Date;
  requestId?: string; // @step 8+
}

interface OutboxRow {
  id: string;
  kind: string;
  to_address: string;
  to_name: string;
  subject: string;
  text_body: string;
  html_body: string;
  attempts: number;
  created_at: Date;
  headers: Record<string, string> | null; // @step 7+
  request_id: string | null; // @step 8+
}

const toMessage = (row: OutboxRow): OutboxMessage => ({
  id: String(row.id),
  kind: row.kind,
  to: { address: row.to_address, name: row.to_name },
  subject: row.subject,
  text: row.text_body,
  html: row.html_body,
  attempts: row.attempts,
  createdAt: row.created_at,
  ...(row.headers ? { headers: row.headers } : {}), // @step 7+
  ...(row.request_id ? { requestId: row.request_id } : {}), // @step 8+
});

export function createOutboxRepo() {
  return {
    /** Writes a message in the caller's transaction: it exists exactly when the caller's change does. */
    async enqueue(trx: Knex.Transaction, email: OutgoingEmail): Promise<string> {
      const [row] = await trx<OutboxRow>('email_outbox')
        .insert({
          kind: email.kind,
          to_address: email.to.address,
          to_name: email.to.name,
          subject: email.subject,
          text_body: email.text,
          html_body: email.html,
          request_id: logContext().requestId ?? null, // @step 8+
        })
        .returning('id');
      return String(row!.id);
    },

    /**
     * Locks the oldest due message for this transaction. SKIP LOCKED makes other workers pass over it
     * instead of waiting, so each message has one owner; the lock ends with the transaction.
     */
    async claimNext(trx: Knex.Transaction): Promise<OutboxMessage | undefined> {
      const row = await trx<OutboxRow>('email_outbox')
        .where('status', 'pending')
        .andWhere('next_attempt_at', '<=', trx.fn.now())
        .orderBy([{ column: 'next_attempt_at' }, { column: 'id' }])
        .forUpdate()
        .skipLocked()
        .first();
      return row ? toMessage(row) : undefined;
    },

    async markSent(trx: Knex.Transaction, id: string): Promise<void> {
      await trx('email_outbox')
        .where({ id })
        .update({
          status: 'sent',
          sent_at: trx.fn.now(),
          attempts: trx.raw('attempts + 1'),
          last_error: null,
        });
    },

    async markRetry(
      trx: Knex.Transaction,
      id: string,
      error: string,
      delayMs: number,
    ): Promise<void> {
      await trx('email_outbox')
        .where({ id })
        .update({
          attempts: trx.raw('attempts + 1'),
          last_error: error,
          // clock_timestamp(), not now(): now() is when the transaction began, before a slow attempt.
          next_attempt_at: trx.raw(`clock_timestamp() + make_interval(secs => ?)`, [
            delayMs / 1000,
          ]),
        });
    },

    async markFailed(trx: Knex.Transaction, id: string, error: string): Promise<void> {
      await trx('email_outbox')
        .where({ id })
        .update({ status: 'failed', attempts: trx.raw('attempts + 1'), last_error: error });
    },
    // @step 7+

    /** Deletes at most `limit` messages sent before `before`, oldest first; returns how many. */
    async deleteSent(db: Knex, before: Date, limit: number): Promise<number> {
      return db('email_outbox')
        .whereIn(
          'id',
          db('email_outbox')
            .select('id')
            .where('status', 'sent')
            .andWhere('sent_at', '<', before)
            .orderBy('sent_at')
            .limit(limit),
        )
        .delete();
    },
    // @end
  };
}

export type OutboxRepo = ReturnType<typeof createOutboxRepo>;
