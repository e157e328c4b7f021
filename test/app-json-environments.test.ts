// app.json's environments, as Heroku CI and review apps read them. Their keys replace the base keys rather
// than merge with them, so each environment must be whole.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

type Addon = string | { plan: string; as?: string };
interface Environment {
  env?: Record<string, { value?: string; generator?: string }>;
  formation?: Record<string, unknown>;
  addons?: Addon[];
  scripts?: Record<string, string>;
}
interface AppJson extends Environment {
  environments?: Record<string, Environment>;
}

const appJson = JSON.parse(readFileSync('app.json', 'utf8')) as AppJson;
const planOf = (addon: Addon) => (typeof addon === 'string' ? addon : addon.plan);
const serviceOf = (addon: Addon) => planOf(addon).split(':')[0];
// Scheduler's jobs are set in each app's dashboard, and a review app has none: it would run nothing.
// A review app lives for one pull request: `heroku logs` is enough, and a log add-on each is clutter.
const REVIEW_NEEDS_NOT = new Set(['scheduler', 'papertrail']);

test('Heroku CI runs npm test against in-dyno Postgres and Redis', () => {
  const ci = appJson.environments?.test;
  assert.ok(ci, 'environments.test is missing');
  assert.deepEqual((ci.addons ?? []).map(planOf).sort(), [
    'heroku-postgresql:in-dyno',
    'heroku-redis:in-dyno',
  ]);
  assert.match(ci.scripts?.test ?? '', /TEST_DATABASE_URL=\$DATABASE_URL/);
  assert.match(ci.scripts?.test ?? '', /TEST_REDIS_URL=\$REDIS_URL/);
  assert.match(ci.scripts?.test ?? '', /npm test$/);
});

test('a review app has every variable, add-on service and process type of the base, says it is one, and seeds demo data', () => {
  const review = appJson.environments?.review;
  assert.ok(review, 'environments.review is missing');
  for (const name of Object.keys(appJson.env ?? {})) {
    assert.ok(review.env?.[name], `environments.review.env lacks ${name}`);
  }
  assert.equal(review.env?.APP_ENV?.value, 'review');
  assert.equal(review.env?.DEMO_PASSWORD?.generator, 'secret');
  assert.deepEqual(
    (review.addons ?? []).map(serviceOf).sort(),
    (appJson.addons ?? [])
      .map(serviceOf)
      .filter((service) => !REVIEW_NEEDS_NOT.has(service ?? ''))
      .sort(),
  );
  assert.deepEqual(
    Object.keys(review.formation ?? {}).sort(),
    Object.keys(appJson.formation ?? {}).sort(),
  );
  // The slug is pruned of devDependencies: the seed is the compiled file, not a .ts run by a tool.
  assert.equal(review.scripts?.postdeploy, 'node dist/src/seed-demo.js');
});
