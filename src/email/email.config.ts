// Email's parts of the config: what web needs to write an email, and what the worker needs to send it.
import { z } from 'zod';
import { configPart, requiredInProduction, whenMissing, type Env } from '../config.ts';
import { CAMPAIGN_NAME } from '../campaign/campaign.config.ts';
import { PORT, SHUTDOWN_TIMEOUT_MS } from '../web/web.config.ts';

// "Name <address>" or a bare address, on one line: a line break here would start a new header.
const MAILBOX = /^(?:[^<>\r\n]+<([^<>\s@]+@[^<>\s@]+)>|([^<>\s@]+@[^<>\s@]+))$/;

/** The site's address as visitors reach it: links inside emails are made from it. */
export const PUBLIC_URL = requiredInProduction(
  z.url({
    protocol: /^https?$/,
    error: "expected the site's address, such as https://example.com",
  }),
  "required in production: the site's address, such as https://example.com, used in links inside emails",
);

/** PUBLIC_URL without a trailing slash; locally, this process's own address. */
export const publicUrlOf = (v: { PUBLIC_URL?: string | undefined; PORT: number }): string =>
  (v.PUBLIC_URL ?? `http://localhost:${v.PORT}`).replace(/\/+$/, '');

/** Web writes emails into the outbox: their links need the site's public address. */
export const emailConfig = configPart({
  variables: { PUBLIC_URL, PORT },
  settings: (v) => ({ publicUrl: publicUrlOf(v) }),
});

/** The Mailgun add-on sets four variables instead of one URL; they make the same URL. */
function mailgunUrl(env: Env): string | undefined {
  const { MAILGUN_SMTP_SERVER: host, MAILGUN_SMTP_PORT: port, MAILGUN_SMTP_LOGIN: login } = env;
  if (!host) return undefined;
  const auth = login
    ? `${encodeURIComponent(login)}:${encodeURIComponent(env.MAILGUN_SMTP_PASSWORD ?? '')}@`
    : '';
  return `smtp://${auth}${host}:${port ?? '587'}`;
}

/** The worker sends them: the SMTP server, the sender, the retry policy, and how long a SIGTERM waits. */
export const smtpConfig = configPart({
  prepare: (env) => ({ SMTP_URL: mailgunUrl(env) }),
  variables: {
    SMTP_URL: z.url({
      protocol: /^smtps?$/,
      hostname: /./,
      error: whenMissing(
        'not set: `npm run dev` starts a local inbox for you; on Heroku, add the Mailgun add-on or set SMTP_URL',
        'expected a URL such as smtp://user:password@smtp.example.com:587',
      ),
    }),
    MAIL_FROM: requiredInProduction(
      z.string().trim().regex(MAILBOX, 'expected "Name <address@example.com>" or an address'),
      'required in production, e.g. "Photo Contest <contest@your-domain.example>"',
    ),
    CAMPAIGN_NAME,
    MAIL_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(12),
    MAIL_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(10_000),
    WORKER_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
    SHUTDOWN_TIMEOUT_MS,
  },
  settings(v, { production }) {
    const from = v.MAIL_FROM ?? `${v.CAMPAIGN_NAME} <no-reply@localhost>`;
    const address = MAILBOX.exec(from);
    return {
      url: v.SMTP_URL,
      // In production a plain smtp:// URL must still upgrade to TLS (STARTTLS) before a password is sent.
      requireTls: production && v.SMTP_URL.startsWith('smtp:'),
      from,
      /** The sender's domain, for Message-IDs. */
      domain: (address?.[1] ?? address?.[2] ?? 'localhost').split('@')[1] ?? 'localhost',
      maxAttempts: v.MAIL_MAX_ATTEMPTS,
      retryBaseMs: v.MAIL_RETRY_BASE_MS,
      pollMs: v.WORKER_POLL_MS,
      shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS,
    };
  },
});
