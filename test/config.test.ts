// The config module: defaults for development, strict rules for production, every problem listed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';

const now = new Date('2026-11-23T10:00:00Z');
// What every environment must set; the tests below add or break one thing at a time.
const base: Record<string, string> = {
  NODE_ENV: 'development',
  DATABASE_URL: 'postgres://app@127.0.0.1:5432/app', // @step 2+
  SMTP_URL: 'smtp://127.0.0.1:2525', // @step 3+
};

test('development runs with no variables at all: port 3000 and a campaign that is open now', () => {
  const config = loadConfig(base, now);
  assert.equal(config.port, 3000);
  assert.equal(config.env, 'development');
  assert.ok(config.campaign.startsAt < now && now < config.campaign.endsAt);
});

test('the config is frozen all the way down', () => {
  const config = loadConfig(base, now);
  assert.ok(
    Object.isFrozen(config) && Object.isFrozen(config.campaign) && Object.isFrozen(config.log),
  );
});

test('production requires the campaign dates', () => {
  assert.throws(
    () => loadConfig({ ...base, NODE_ENV: 'production' }, now),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.problems.some((p) => p.startsWith('CAMPAIGN_STARTS_AT')) &&
      err.problems.some((p) => p.startsWith('CAMPAIGN_ENDS_AT')),
  );
});

test('every malformed variable is reported at once, with the value it had', () => {
  try {
    loadConfig(
      { ...base, PORT: '70000', LOG_LEVEL: 'loud', CAMPAIGN_STARTS_AT: '2026-13-45' },
      now,
    );
    assert.fail('expected a ConfigError');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.problems.length, 3, err.message);
    assert.match(err.message, /PORT: .*\(got "70000"\)/);
    assert.match(err.message, /LOG_LEVEL: .*\(got "loud"\)/);
    assert.match(err.message, /CAMPAIGN_STARTS_AT: .*\(got "2026-13-45"\)/);
  }
});

test('an end before the start is rejected', () => {
  assert.throws(
    () =>
      loadConfig(
        { ...base, CAMPAIGN_STARTS_AT: '2026-12-10', CAMPAIGN_ENDS_AT: '2026-12-01' },
        now,
      ),
    /CAMPAIGN_ENDS_AT: must be later than CAMPAIGN_STARTS_AT/,
  );
});

test('empty values count as unset', () => {
  const config = loadConfig({ ...base, PORT: '', CAMPAIGN_NAME: '' }, now);
  assert.equal(config.port, 3000);
  assert.equal(config.campaign.name, 'Winter Photo Contest');
});

test('LOG_FORMAT=pretty selects readable logs; JSON lines are the default', () => {
  assert.equal(loadConfig(base, now).log.pretty, false);
  assert.equal(loadConfig({ ...base, LOG_FORMAT: 'pretty' }, now).log.pretty, true);
});

test('an impossible calendar date is rejected rather than rolled over', () => {
  assert.throws(
    () => loadConfig({ ...base, CAMPAIGN_STARTS_AT: '2026-02-30' }, now),
    /CAMPAIGN_STARTS_AT: is not a real calendar date/,
  );
  const offset = loadConfig(
    { ...base, CAMPAIGN_STARTS_AT: '2026-12-01T00:30:00+02:00', CAMPAIGN_ENDS_AT: '2026-12-31' },
    now,
  );
  assert.equal(offset.campaign.startsAt.toISOString(), '2026-11-30T22:30:00.000Z');
});
// @step 2+

test('DATABASE_URL is required everywhere, with a hint for local runs', () => {
  const { DATABASE_URL: _omitted, ...withoutDb } = base;
  assert.throws(
    () => loadConfig(withoutDb, now),
    /DATABASE_URL: not set: `npm run dev` starts a local Postgres/,
  );
  assert.throws(
    () => loadConfig({ ...base, DATABASE_URL: 'mysql://localhost/app' }, now),
    /DATABASE_URL: expected a URL such as postgres:\/\//,
  );
});

test('production requires SESSION_SECRET, and lists it with every other problem at once', () => {
  try {
    loadConfig({ ...base, NODE_ENV: 'production', PORT: 'x' }, now);
    assert.fail('expected a ConfigError');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    const names = err.problems.map((p) => p.split(':')[0]).sort();
    // prettier-ignore
    assert.deepEqual(names, [
      'CAMPAIGN_ENDS_AT',
      'CAMPAIGN_STARTS_AT',
      'MAIL_FROM', // @step 3+
      'PORT',
      'PUBLIC_URL', // @step 3+
      'SESSION_SECRET',
    ]);
  }
});

test('production connects to Postgres over TLS unless the URL sets an sslmode', () => {
  const production = {
    ...base,
    NODE_ENV: 'production',
    CAMPAIGN_STARTS_AT: '2026-12-01',
    CAMPAIGN_ENDS_AT: '2026-12-31',
    SESSION_SECRET: 'x'.repeat(32),
    MAIL_FROM: 'Contest <contest@example.com>', // @step 3+
    PUBLIC_URL: 'https://contest.example.com', // @step 3+
  };
  assert.equal(loadConfig(production, now).database.ssl, true);
  assert.equal(
    loadConfig({ ...production, DATABASE_URL: `${base.DATABASE_URL}?sslmode=disable` }, now)
      .database.ssl,
    false,
  );
  assert.equal(loadConfig(base, now).database.ssl, false);
  assert.equal(loadConfig(production, now).session.secureCookie, true);
});
// @end

// @step 3+

test('SMTP comes from SMTP_URL, or from the Mailgun add-on’s variables', () => {
  const { SMTP_URL: _omitted, ...withoutSmtp } = base;
  assert.throws(
    () => loadConfig(withoutSmtp, now),
    /SMTP_URL: not set: `npm run dev` starts a local inbox/,
  );
  const mailgun = loadConfig(
    {
      ...withoutSmtp,
      MAILGUN_SMTP_SERVER: 'smtp.mailgun.org',
      MAILGUN_SMTP_PORT: '587',
      MAILGUN_SMTP_LOGIN: 'postmaster@mg.example.com',
      MAILGUN_SMTP_PASSWORD: 'p@ss/word',
    },
    now,
  );
  assert.equal(
    mailgun.mail.smtpUrl,
    'smtp://postmaster%40mg.example.com:p%40ss%2Fword@smtp.mailgun.org:587',
  );
  assert.equal(loadConfig(base, now).mail.smtpUrl, base.SMTP_URL);
});

test('links in emails use PUBLIC_URL without a trailing slash, or localhost in development', () => {
  assert.equal(
    loadConfig({ ...base, PUBLIC_URL: 'https://contest.example.com/' }, now).mail.publicUrl,
    'https://contest.example.com',
  );
  assert.equal(loadConfig({ ...base, PORT: '4000' }, now).mail.publicUrl, 'http://localhost:4000');
  assert.throws(
    () => loadConfig({ ...base, PUBLIC_URL: 'ftp://x' }, now),
    /PUBLIC_URL: expected the site's address/,
  );
  assert.throws(
    () => loadConfig({ ...base, MAIL_FROM: 'Contest <contest@example.com>\r\nBcc: x@y.z' }, now),
    /MAIL_FROM: expected/,
  );
});
// @end
