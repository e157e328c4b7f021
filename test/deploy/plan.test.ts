// The pure parts: the environments file, the commit behind a release, and the plan built from facts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  environmentOf,
  EnvironmentsError,
  parseEnvironments,
  promotionTarget,
} from '../../scripts/deploy/environments.ts';
import { describePlan, planDeploy } from '../../scripts/deploy/plan.ts';
import { describedCommit, previousRelease, type Release } from '../../scripts/deploy/releases.ts';

const FILE = JSON.stringify({
  pipeline: 'campaign-kit',
  environments: {
    staging: { app: 'campaign-kit-staging', branch: 'main' },
    production: { app: 'campaign-kit-production', branch: 'main', promoteFrom: 'staging' },
  },
});

const release = (version: number, description: string, fields: Partial<Release> = {}): Release => ({
  id: `id-${version}`,
  version,
  status: 'succeeded',
  description,
  created_at: '2026-11-01T10:00:00Z',
  slug: { id: `slug-${version}` },
  ...fields,
});

test('environments: production is the one with promoteFrom; promote goes there', () => {
  const file = parseEnvironments(FILE);
  assert.equal(environmentOf(file, 'production').production, true);
  assert.equal(environmentOf(file, 'staging').production, false);
  assert.equal(promotionTarget(file).name, 'production');
});

test('environments: a promoteFrom to an unknown environment and a bad app name are both listed', () => {
  const bad = JSON.stringify({
    environments: { production: { app: 'Campaign Kit', branch: 'main', promoteFrom: 'stagin' } },
  });
  assert.throws(
    () => parseEnvironments(bad),
    (err: Error) => {
      assert.ok(err instanceof EnvironmentsError);
      assert.match(err.message, /environments\.production\.app: a Heroku app name/);
      assert.match(
        err.message,
        /environments\.production\.promoteFrom: "stagin" is not another environment/,
      );
      return true;
    },
  );
});

test('the commit behind a release: Deploy, Promote, and Rollback followed to the release it names', () => {
  const releases = [
    release(44, 'Set FOO config vars', { slug: { id: 'slug-41' } }),
    release(43, 'Rollback to v41', { slug: { id: 'slug-41' } }),
    release(42, 'Deploy 9f8e7d6c'),
    release(41, 'Promote campaign-kit-staging v12 0f0a53b4'),
    release(40, 'Deploy 1a2b3c4d', { status: 'failed' }),
  ];
  assert.equal(describedCommit(releases, 42), '9f8e7d6c');
  assert.equal(describedCommit(releases, 41), '0f0a53b4');
  assert.equal(describedCommit(releases, 43), '0f0a53b4');
  assert.equal(describedCommit(releases, 44), '0f0a53b4');
  assert.equal(describedCommit([release(1, 'Initial release', { slug: null })], 1), undefined);
});

test('the default rollback target skips failed releases', () => {
  const releases = [
    release(42, 'Deploy 9f8e7d6c', { current: true }),
    release(41, 'Deploy 0f0a53b4', { status: 'failed' }),
    release(40, 'Deploy 1a2b3c4d'),
  ];
  assert.equal(previousRelease(releases)?.version, 40);
});

test('the plan: migrations added or changed mean downtime; removed ones only warn', () => {
  const environment = environmentOf(parseEnvironments(FILE), 'staging');
  const base = {
    environment,
    sha: 'b'.repeat(40),
    deployed: { version: 3, sha: 'a'.repeat(40) },
    added: ['bbbbbbb Change'],
    removed: [],
    gitUrl: 'https://git.example.test/campaign-kit-staging.git',
  };
  const migrating = planDeploy({
    ...base,
    files: [
      { status: 'A', path: 'migrations/20261201090000_add_goal.ts' },
      { status: 'M', path: 'src/server.ts' },
    ],
  });
  assert.equal(migrating.downtime, true);
  assert.deepEqual(migrating.commands.slice(0, 3), [
    'heroku maintenance:on -a campaign-kit-staging',
    `git push https://git.example.test/campaign-kit-staging.git ${'b'.repeat(40)}:refs/heads/main`,
    'heroku maintenance:off -a campaign-kit-staging',
  ]);
  const back = planDeploy({
    ...base,
    removed: ['ccccccc Add goal'],
    files: [{ status: 'D', path: 'migrations/20261201090000_add_goal.ts' }],
  });
  assert.equal(back.downtime, false);
  assert.equal(back.behind, true);
  assert.deepEqual(back.removedMigrations, ['migrations/20261201090000_add_goal.ts']);
  assert.equal(planDeploy({ ...base, sha: 'a'.repeat(40), files: [] }).upToDate, true);
});

test('a long list of files is cut at 20, with the command that shows them all', () => {
  const environment = environmentOf(parseEnvironments(FILE), 'staging');
  const files = Array.from({ length: 23 }, (_, i) => ({ status: 'A', path: `src/f${i}.ts` }));
  const plan = planDeploy({
    environment,
    sha: 'b'.repeat(40),
    deployed: { version: 3, sha: 'a'.repeat(40) },
    added: ['bbbbbbb Change'],
    removed: [],
    files,
    gitUrl: 'https://git.example.test/campaign-kit-staging.git',
  });
  const lines = describePlan(plan);
  assert.ok(lines.includes('files (23):'));
  assert.ok(lines.includes('  A src/f19.ts'));
  assert.ok(!lines.includes('  A src/f20.ts'));
  assert.ok(lines.includes('  … and 3 more: git diff --name-status aaaaaaa bbbbbbb'));
});
