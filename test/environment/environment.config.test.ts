// The environment's part of the config: APP_ENV apart from NODE_ENV, and BASIC_AUTH_* both or neither.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { environmentConfig } from '../../src/platform/environment.config.ts';

const load = (env: Record<string, string>) => loadConfig(env, { environment: environmentConfig });

/** The problems a ConfigError lists. */
function problems(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

test('development needs nothing: APP_ENV defaults to development, open to all', () => {
  assert.deepEqual(load({}).environment, { name: 'development', production: false });
  assert.deepEqual(load({ NODE_ENV: 'test' }).environment.name, 'development');
});

test('NODE_ENV=production requires APP_ENV and says how to set it', () => {
  assert.deepEqual(
    problems(() => load({ NODE_ENV: 'production' })),
    ['APP_ENV: required in production: heroku config:set APP_ENV=production (or staging, review)'],
  );
});

test('APP_ENV is independent of NODE_ENV: a staging app runs with NODE_ENV=production', () => {
  const config = load({ NODE_ENV: 'production', APP_ENV: 'staging' });
  assert.equal(config.production, true);
  assert.deepEqual(config.environment, { name: 'staging', production: false });
  assert.equal(
    load({ NODE_ENV: 'production', APP_ENV: 'production' }).environment.production,
    true,
  );
});

test('an unknown APP_ENV is rejected with the values it may take', () => {
  const [problem, ...rest] = problems(() => load({ APP_ENV: 'prod' }));
  assert.deepEqual(rest, []);
  assert.equal(
    problem,
    'APP_ENV: must be one of development, review, staging, production (got "prod")',
  );
});

test('BASIC_AUTH_USER and BASIC_AUTH_PASSWORD together give the access settings', () => {
  const config = load({
    APP_ENV: 'review',
    BASIC_AUTH_USER: 'preview',
    BASIC_AUTH_PASSWORD: 'twelve chars',
  });
  assert.deepEqual(config.environment.access, { user: 'preview', password: 'twelve chars' });
  assert.ok(Object.isFrozen(config.environment.access));
});

test('a user without a password, or a password without a user, names the missing one', () => {
  assert.match(
    problems(() => load({ BASIC_AUTH_USER: 'preview' })).join('\n'),
    /^BASIC_AUTH_PASSWORD: required when BASIC_AUTH_USER is set/,
  );
  assert.match(
    problems(() => load({ BASIC_AUTH_PASSWORD: 'long enough secret' })).join('\n'),
    /^BASIC_AUTH_USER: required when BASIC_AUTH_PASSWORD is set/,
  );
});

test('a password shorter than 12 characters is rejected', () => {
  const [problem] = problems(() =>
    load({ BASIC_AUTH_USER: 'preview', BASIC_AUTH_PASSWORD: 'short' }),
  );
  assert.match(problem ?? '', /^BASIC_AUTH_PASSWORD: must be at least 12 characters/);
});
