// The SMTP connection (nodemailer), configured from one URL, and how to tell a permanent rejection
// from a failure worth retrying.
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
        // The same id on every attempt lets a receiving server drop a duplicate.
        messageId: `<outbox-${message.id}-${message.createdAt.getTime()}@${smtp.domain}>`,
      });
    },
    close() {
      transport.close();
    },
  };
}

/** A 5xx answer means the server will never accept this message: retrying cannot help. */
export function isPermanentRejection(err: unknown): boolean {
  const code = (err as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}
