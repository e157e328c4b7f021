// The config module: defaults for development, strict rules for production, every problem listed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';

const now = new Date('2026-11-23T10:00:00Z');

test('development runs with no variables at all: port 3000 and a campaign that is open now', () => {
  const config = loadConfig({}, now);
  assert.equal(config.port, 3000);
  assert.equal(config.env, 'development');
  assert.ok(config.campaign.startsAt < now && now < config.campaign.endsAt);
});

test('the config is frozen all the way down', () => {
  const config = loadConfig({}, now);
  assert.ok(
    Object.isFrozen(config) && Object.isFrozen(config.campaign) && Object.isFrozen(config.log),
  );
});

test('production requires the campaign dates', () => {
  assert.throws(
    () => loadConfig({ NODE_ENV: 'production' }, now),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.problems.length === 2 &&
      err.problems.some((p) => p.startsWith('CAMPAIGN_STARTS_AT')) &&
      err.problems.some((p) => p.startsWith('CAMPAIGN_ENDS_AT')),
  );
});

test('every malformed variable is reported at once, with the value it had', () => {
  try {
    loadConfig({ PORT: '70000', LOG_LEVEL: 'loud', CAMPAIGN_STARTS_AT: '2026-13-45' }, now);
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
    () => loadConfig({ CAMPAIGN_STARTS_AT: '2026-12-10', CAMPAIGN_ENDS_AT: '2026-12-01' }, now),
    /CAMPAIGN_ENDS_AT: must be later than CAMPAIGN_STARTS_AT/,
  );
});

test('empty values count as unset', () => {
  const config = loadConfig({ PORT: '', CAMPAIGN_NAME: '' }, now);
  assert.equal(config.port, 3000);
  assert.equal(config.campaign.name, 'Winter Photo Contest');
});

test('LOG_FORMAT=pretty selects readable logs; JSON lines are the default', () => {
  assert.equal(loadConfig({}, now).log.pretty, false);
  assert.equal(loadConfig({ LOG_FORMAT: 'pretty' }, now).log.pretty, true);
});

test('an impossible calendar date is rejected rather than rolled over', () => {
  assert.throws(
    () => loadConfig({ CAMPAIGN_STARTS_AT: '2026-02-30' }, now),
    /CAMPAIGN_STARTS_AT: is not a real calendar date/,
  );
  const offset = loadConfig(
    { CAMPAIGN_STARTS_AT: '2026-12-01T00:30:00+02:00', CAMPAIGN_ENDS_AT: '2026-12-31' },
    now,
  );
  assert.equal(offset.campaign.startsAt.toISOString(), '2026-11-30T22:30:00.000Z');
});
