// The config: each part's defaults for development and rules for production, and every problem at once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { campaignConfig } from '../src/campaign/campaign.config.ts';
import { ConfigError, configPart, loadConfig, requiredInProduction } from '../src/config.ts';
import { webConfig } from '../src/web/web.config.ts';

const now = new Date('2026-11-23T10:00:00Z');
const parts = { web: webConfig, campaign: campaignConfig };
const load = (env: Record<string, string>) => loadConfig(env, parts, now);

/** The names of the variables a ConfigError lists, sorted. */
function problemNames(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems.map((p) => p.split(':')[0]!).sort();
  }
  assert.fail('expected a ConfigError');
}

test('development runs with no variables at all: port 3000 and a campaign that is open now', () => {
  const config = load({});
  assert.equal(config.web.port, 3000);
  assert.equal(config.env, 'development');
  assert.equal(config.production, false);
  assert.ok(config.campaign.startsAt < now && now < config.campaign.endsAt);
});

test('the config is frozen all the way down', () => {
  const config = load({});
  assert.ok(
    Object.isFrozen(config) && Object.isFrozen(config.campaign) && Object.isFrozen(config.log),
  );
});

test('production requires the campaign dates, and says so for each', () => {
  assert.deepEqual(
    problemNames(() => load({ NODE_ENV: 'production' })),
    ['CAMPAIGN_ENDS_AT', 'CAMPAIGN_STARTS_AT'],
  );
  assert.throws(
    () => load({ NODE_ENV: 'production' }),
    /CAMPAIGN_STARTS_AT: required in production/,
  );
});

test('every malformed variable is reported at once, with the value it had', () => {
  try {
    load({ PORT: '70000', LOG_LEVEL: 'loud', CAMPAIGN_STARTS_AT: '2026-13-45' });
    assert.fail('expected a ConfigError');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.problems.length, 3, err.message);
    assert.match(err.message, /PORT: .*\(got "70000"\)/);
    assert.match(err.message, /LOG_LEVEL: .*\(got "loud"\)/);
    assert.match(
      err.message,
      /CAMPAIGN_STARTS_AT: expected an ISO 8601 date.*\(got "2026-13-45"\)/,
    );
  }
});

test('a malformed secret, or a URL with a password in it, is described without its value', () => {
  const secrets = configPart({
    variables: {
      SESSION_SECRET: z.string().min(32),
      BASIC_AUTH_PASSWORD: z.string().min(12),
      AWS_SECRET_ACCESS_KEY: z.string().min(40),
      SERVICE_URL: z.url({ protocol: /^rediss$/ }),
    },
    settings: (v) => v,
  });
  const env = {
    SESSION_SECRET: 'hunter2hunter2',
    BASIC_AUTH_PASSWORD: 'sesame99',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI',
    SERVICE_URL: 'redis://:p4ssw0rd-in-url@cache.example:6379',
  };
  try {
    loadConfig(env, { secrets }, now);
    assert.fail('expected a ConfigError');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.problems.length, 4, err.message);
    for (const value of Object.values(env)) assert.ok(!err.message.includes(value), err.message);
    assert.doesNotMatch(err.message, /p4ssw0rd/);
    assert.match(err.message, /SESSION_SECRET: .*\(got 14 characters, not shown\)/);
    assert.match(err.message, /SERVICE_URL: .*\(got 43 characters, not shown\)/);
  }
});

test('an end before the start is rejected', () => {
  assert.throws(
    () => load({ CAMPAIGN_STARTS_AT: '2026-12-10', CAMPAIGN_ENDS_AT: '2026-12-01' }),
    /CAMPAIGN_ENDS_AT: must be later than CAMPAIGN_STARTS_AT/,
  );
});

test('empty values count as unset', () => {
  const config = load({ PORT: '', CAMPAIGN_NAME: '' });
  assert.equal(config.web.port, 3000);
  assert.equal(config.campaign.name, 'Winter Photo Contest');
});

test('LOG_FORMAT=pretty selects readable logs; JSON lines are the default', () => {
  assert.equal(load({}).log.pretty, false);
  assert.equal(load({ LOG_FORMAT: 'pretty' }).log.pretty, true);
});

test('impossible calendar dates are rejected rather than rolled over; offsets are kept', () => {
  for (const date of ['2026-02-30', '2027-02-29', '2026-04-31', '2026-12-01T25:00:00Z']) {
    assert.throws(() => load({ CAMPAIGN_STARTS_AT: date }), /CAMPAIGN_STARTS_AT: expected/, date);
  }
  assert.equal(
    load({
      CAMPAIGN_STARTS_AT: '2028-02-29',
      CAMPAIGN_ENDS_AT: '2028-03-31',
    }).campaign.startsAt.toISOString(),
    '2028-02-29T00:00:00.000Z',
  );
  const offset = load({
    CAMPAIGN_STARTS_AT: '2026-12-01T00:30:00+02:00',
    CAMPAIGN_ENDS_AT: '2026-12-31',
  });
  assert.equal(offset.campaign.startsAt.toISOString(), '2026-11-30T22:30:00.000Z');
});

test('a part reads only its own variables: the web port does not make the campaign part fail', () => {
  const config = loadConfig({ PORT: 'not a port' }, { campaign: campaignConfig }, now);
  assert.equal(config.campaign.name, 'Winter Photo Contest');
  assert.equal('web' in config, false);
});

test('required-ness lives in the schema: required always, in production only, or optional', () => {
  const part = configPart({
    variables: {
      ALWAYS: z.string({ error: 'not set: say why' }),
      IN_PRODUCTION: requiredInProduction(z.string(), 'required in production: say how'),
      OPTIONAL: z.string().optional(),
    },
    settings: (v) => ({ always: v.ALWAYS, inProduction: v.IN_PRODUCTION ?? 'dev default' }),
  });
  assert.deepEqual(
    problemNames(() => loadConfig({}, { part }, now)),
    ['ALWAYS'],
  );
  assert.deepEqual(
    problemNames(() => loadConfig({ NODE_ENV: 'production' }, { part }, now)),
    ['ALWAYS', 'IN_PRODUCTION'],
  );
  assert.deepEqual(loadConfig({ ALWAYS: 'a' }, { part }, now).part, {
    always: 'a',
    inProduction: 'dev default',
  });
});

test('two parts may share a variable only through the same schema', () => {
  const one = configPart({ variables: { SHARED: z.string().default('x') }, settings: () => 1 });
  const other = configPart({ variables: { SHARED: z.string().default('y') }, settings: () => 2 });
  assert.throws(() => loadConfig({}, { one, other }, now), /declares SHARED again/);
});
