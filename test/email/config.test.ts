// Email's parts of the config, and which process requires what: web writes emails, the worker sends.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { loadWebConfig } from '../../src/deps.ts';
import { emailConfig, smtpConfig } from '../../src/email/email.config.ts';
import { databaseConfig } from '../../src/platform/db.config.ts';

const now = new Date('2026-11-23T10:00:00Z');
const smtp = (env: Record<string, string>) => loadConfig(env, { smtp: smtpConfig }, now).smtp;
const production = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://app@db.example.com:5432/app',
  CAMPAIGN_STARTS_AT: '2026-12-01',
  CAMPAIGN_ENDS_AT: '2026-12-31',
  SESSION_SECRET: 'x'.repeat(32),
  PUBLIC_URL: 'https://contest.example.com',
  // @step 4+
  BUCKETEER_BUCKET_NAME: 'bucketeer-contest',
  BUCKETEER_AWS_REGION: 'eu-west-1',
  BUCKETEER_AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
  BUCKETEER_AWS_SECRET_ACCESS_KEY: 'secret',
  // @end
  REDIS_URL: 'rediss://:secret@redis.example.com:6380', // @step 5+
  APP_ENV: 'production', // @step 6+
  UNSUBSCRIBE_SECRET: 'u'.repeat(32), // @step 7+
};

test('SMTP comes from SMTP_URL, or from the Mailgun add-on’s variables', () => {
  assert.throws(() => smtp({}), /SMTP_URL: not set: `npm run dev` starts a local inbox/);
  assert.throws(() => smtp({ SMTP_URL: 'http://mail' }), /SMTP_URL: expected a URL such as smtp/);
  const mailgun = smtp({
    MAILGUN_SMTP_SERVER: 'smtp.mailgun.org',
    MAILGUN_SMTP_PORT: '587',
    MAILGUN_SMTP_LOGIN: 'postmaster@mg.example.com',
    MAILGUN_SMTP_PASSWORD: 'p@ss/word',
  });
  assert.equal(
    mailgun.url,
    'smtp://postmaster%40mg.example.com:p%40ss%2Fword@smtp.mailgun.org:587',
  );
  assert.equal(smtp({ SMTP_URL: 'smtp://127.0.0.1:2525' }).url, 'smtp://127.0.0.1:2525');
});

test('production needs a sender, and TLS before a password on a plain smtp:// URL', () => {
  const url = 'smtp://user:pass@smtp.example.com:587';
  assert.throws(
    () => smtp({ NODE_ENV: 'production', SMTP_URL: url }),
    /MAIL_FROM: required in production/,
  );
  const settings = smtp({
    NODE_ENV: 'production',
    SMTP_URL: url,
    MAIL_FROM: 'C <c@mg.example.com>',
  });
  assert.equal(settings.requireTls, true);
  assert.equal(settings.domain, 'mg.example.com');
  assert.equal(smtp({ SMTP_URL: url }).requireTls, false);
  assert.throws(
    () => smtp({ SMTP_URL: url, MAIL_FROM: 'Contest <contest@example.com>\r\nBcc: x@y.z' }),
    /MAIL_FROM: expected/,
  );
});

test('links in emails use PUBLIC_URL without a trailing slash, or localhost in development', () => {
  const email = (env: Record<string, string>) => loadConfig(env, { email: emailConfig }, now).email;
  assert.equal(
    email({ PUBLIC_URL: 'https://contest.example.com/' }).publicUrl,
    'https://contest.example.com',
  );
  assert.equal(email({ PORT: '4000' }).publicUrl, 'http://localhost:4000');
  assert.throws(() => email({ PUBLIC_URL: 'ftp://x' }), /PUBLIC_URL: expected the site's address/);
  assert.throws(() => email({ NODE_ENV: 'production' }), /PUBLIC_URL: required in production/);
});

test('each process requires only what it uses: web no SMTP, the worker no session secret', () => {
  // Web writes emails into the outbox but never connects to SMTP.
  assert.equal(loadWebConfig(production, now).email.publicUrl, 'https://contest.example.com');
  // The worker needs the database and SMTP, not the web's session secret or the campaign dates.
  const worker = loadConfig(
    {
      NODE_ENV: 'production',
      DATABASE_URL: production.DATABASE_URL,
      SMTP_URL: 'smtps://u:p@smtp.example.com:465',
      MAIL_FROM: 'Contest <contest@example.com>',
    },
    { database: databaseConfig, smtp: smtpConfig },
    now,
  );
  assert.equal(worker.smtp.requireTls, false);
  assert.throws(
    () =>
      loadConfig({ NODE_ENV: 'production' }, { database: databaseConfig, smtp: smtpConfig }, now),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.problems.map((p) => p.split(':')[0]).join() === 'DATABASE_URL,SMTP_URL,MAIL_FROM',
  );
});
