// The SMTP connection (nodemailer), configured from one URL, and what a failed send means: SMTP is
// unusable for now, or this one message was refused.
import nodemailer from 'nodemailer';
import type { SettingsOf } from '../config.ts';
import type { smtpConfig } from './email.config.ts';
import type { OutboxMessage } from './outbox.repo.ts';

export interface Mailer {
  send(message: OutboxMessage): Promise<void>;
  close(): void;
}

export function createMailer(smtp: SettingsOf<typeof smtpConfig>): Mailer {
  const transport = nodemailer.createTransport({
    url: smtp.url,
    // One connection kept open and reused: a new SMTP handshake per message costs more than the message.
    pool: true,
    maxConnections: 1,
    requireTLS: smtp.requireTls,
    // Bounded waits, so a slow server costs one retry rather than a stuck worker.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    async send(message) {
      await transport.sendMail({
        from: smtp.from,
        // Address objects, not strings: nodemailer encodes the name, so it can never add a header.
        to: { name: message.to.name, address: message.to.address },
        subject: message.subject,
        text: message.text,
        html: message.html,
        ...(message.headers ? { headers: { ...message.headers } } : {}), // @step 7+
        // The same id on every attempt lets a receiving server drop a duplicate.
        messageId: `<outbox-${message.id}-${message.createdAt.getTime()}@${smtp.domain}>`,
      });
    },
    close() {
      transport.close();
    },
  };
}

/**
 * What a failed send says about the message. `unavailable`: SMTP itself could not be used (refused
 * or dropped connection, TLS, a login the server rejects, a sender it refuses), so no message can go
 * until that changes, and this one is not to blame. `rejected`: the server refused this message for
 * good (5xx). `deferred`: it refused this message for now (4xx).
 */
export type SendFailure = 'unavailable' | 'rejected' | 'deferred';

interface SmtpError {
  code?: unknown;
  responseCode?: unknown;
  command?: unknown;
}

// nodemailer's codes for a recipient or a message refused after a working, logged-in connection.
const MESSAGE_CODES = new Set(['EENVELOPE', 'EMESSAGE']);

export function classifySendError(err: unknown): SendFailure {
  const { code, responseCode, command } = (err ?? {}) as SmtpError;
  // A refused sender (MAIL FROM) is MAIL_FROM's fault, not this message's. A refused recipient is
  // this message's, even with 421: Mailgun's sandbox answers so for an address it does not allow.
  const perMessage = typeof code === 'string' && MESSAGE_CODES.has(code) && command !== 'MAIL FROM';
  if (!perMessage) return 'unavailable';
  return typeof responseCode === 'number' && responseCode >= 500 ? 'rejected' : 'deferred';
}

/** One sentence on why SMTP cannot be used, with what to check. */
export function unavailableReason(err: unknown): string {
  const { code, responseCode } = (err ?? {}) as SmtpError;
  const detail = err instanceof Error ? err.message : String(err);
  if (code === 'EAUTH' || code === 'ENOAUTH') {
    return `the SMTP server refused the login (${detail}): check the user and password in SMTP_URL, or the Mailgun add-on's`;
  }
  if (code === 'ETLS') return `TLS with the SMTP server failed (${detail})`;
  if (code === 'EENVELOPE')
    return `the SMTP server refused the sender (${detail}): check MAIL_FROM`;
  if (responseCode === 421) return `the SMTP server is not taking mail now (${detail})`;
  return `the SMTP server cannot be reached (${detail})`;
}
