// Production: the typed confirmation, promotion through the pipeline, rollback; and how the CLI fails.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { createWorld, PRODUCTION, STAGING, writes } from './support/world.ts';

const CLI = path.resolve(import.meta.dirname, '../../scripts/deploy/cli.ts');

test('production asks for the app name: a wrong answer changes nothing', async () => {
  const world = await createWorld();
  world.commit({ 'src/server.ts': 'export const x = 1;\n' }, 'Change');
  const before = world.remoteMain(PRODUCTION);
  const { code, out, err } = await world.deploy(['production'], {
    isTTY: true,
    input: 'campaign-kit-staging\n',
  });
  assert.equal(code, 1);
  assert.match(out, /Type the app's name \(campaign-kit-production\) to deploy to production: /);
  assert.match(err, /"campaign-kit-staging" is not campaign-kit-production: stopped/);
  assert.match(err, /nothing was changed on Heroku/);
  assert.equal(world.remoteMain(PRODUCTION), before);
  assert.deepEqual(writes(world.calls()), []);
});

test('production deploys once the right name is typed', async () => {
  const world = await createWorld();
  const sha = world.commit({ 'src/server.ts': 'export const x = 2;\n' }, 'Change');
  const { code, out } = await world.deploy(['production'], {
    isTTY: true,
    input: `${PRODUCTION}\n`,
  });
  assert.equal(code, 0, out);
  assert.equal(world.remoteMain(PRODUCTION), sha);
  assert.equal(world.git('rev-parse', 'production/v3^{commit}').trim(), sha);
});

test('production without a terminal is refused unless --yes is given (CI)', async () => {
  const world = await createWorld();
  const sha = world.commit({ 'src/server.ts': 'export const x = 3;\n' }, 'Change');
  const refused = await world.deploy(['production']);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /standard input is not one/);
  assert.match(refused.err, /add --yes where no one can type \(CI\)/);
  assert.deepEqual(writes(world.calls()), []);
  const done = await world.deploy(['production', '--yes']);
  assert.equal(done.code, 0, done.err);
  assert.doesNotMatch(done.out, /Type the app's name/);
  assert.equal(world.remoteMain(PRODUCTION), sha);
});

test('promote copies what staging runs to production through the pipeline, whatever is checked out', async () => {
  const world = await createWorld();
  const sha = world.commit(
    { 'migrations/20261201090000_add_goal.ts': 'export {};\n' },
    'Add a goal',
  );
  assert.equal((await world.deploy(['staging'])).code, 0);
  // Neither the branch nor a dirty tree matter to a promotion: it copies staging's slug.
  world.git('switch', '--quiet', '--create', 'elsewhere');
  const { code, out, err } = await world.deploy(['promote', '--yes']);
  assert.equal(code, 0, out + err);
  assert.match(
    out,
    /production \(campaign-kit-production\): v2 \([0-9a-f]{7}\) → [0-9a-f]{7}, promoted from staging/,
  );
  assert.match(out, /migrations: yes/);
  assert.deepEqual(writes(world.calls()), [
    'maintenance:on -a campaign-kit-staging',
    'maintenance:off -a campaign-kit-staging',
    'maintenance:on -a campaign-kit-production',
    'pipelines:promote -a campaign-kit-staging --to campaign-kit-production',
    'maintenance:off -a campaign-kit-production',
  ]);
  const current = world.state().apps[PRODUCTION]?.releases.find((r) => r.current);
  assert.equal(current?.description, `Promote ${STAGING} v3 ${sha.slice(0, 8)}`);
  assert.equal(world.git('rev-parse', 'production/v3^{commit}').trim(), sha);
  assert.match(out, /Promoted campaign-kit-production \(production\) as v3/);
  // The CLI streams the promotion's release phase output: the tool does not read it a second time.
  assert.match(out, /heroku \| Running release command/);
  assert.equal(world.calls().filter((argv) => argv[0] === 'releases:output').length, 1);
  // What production runs is now known from the promotion's description: a second promote is up to date.
  const again = await world.deploy(['promote', '--yes']);
  assert.match(again.out, /is up to date: v3 runs/);
});

test('promote --dry-run shows the promotion command and changes nothing', async () => {
  const world = await createWorld();
  world.commit({ 'src/server.ts': 'export const x = 7;\n' }, 'Change');
  assert.equal((await world.deploy(['staging'])).code, 0);
  const before = world.calls().length;
  const { code, out } = await world.deploy(['promote', '--dry-run']);
  assert.equal(code, 0);
  assert.match(
    out,
    /commands:\n {2}heroku pipelines:promote -a campaign-kit-staging --to campaign-kit-production\n/,
  );
  assert.deepEqual(writes(world.calls().slice(before)), []);
  assert.doesNotMatch(out, /Type the app's name/);
});

test('promote needs the upstream commit in this clone, and says to fetch it', async () => {
  const world = await createWorld();
  world.update((state) => {
    const release = state.apps[STAGING]?.releases.find((r) => r.current);
    if (release) release.description = 'Deploy 0123abcd';
  });
  const { code, err } = await world.deploy(['promote', '--yes']);
  assert.equal(code, 1);
  assert.match(err, /commit 0123abcd, which this clone does not have/);
  assert.match(err, /git fetch origin/);
});

test('rollback goes back to the previous succeeded release, warns that the schema stays, and waits for it', async () => {
  const world = await createWorld();
  const first = world.git('rev-parse', 'HEAD').trim();
  world.commit({ 'migrations/20261201090000_add_goal.ts': 'export {};\n' }, 'Add a goal');
  assert.equal((await world.deploy(['staging'])).code, 0);
  const { code, out, err } = await world.deploy(['rollback', 'staging']);
  assert.equal(code, 0, err);
  assert.match(out, /staging \(campaign-kit-staging\): v3 → v2/);
  assert.match(
    out,
    /⚠ The database schema does NOT roll back with the code: migrations applied since then stay applied/,
  );
  assert.match(out, /heroku \| applying migrations/);
  assert.match(out, /Rolled back campaign-kit-staging \(staging\) to v2 as v4/);
  assert.deepEqual(writes(world.calls()).at(-1), 'releases:rollback v2 -a campaign-kit-staging');
  assert.equal(
    world.state().apps[STAGING]?.releases.find((r) => r.current)?.description,
    'Rollback to v2',
  );
  // "Rollback to v2" is followed to v2's commit: the next deploy starts from there.
  const plan = await world.deploy(['staging', '--dry-run']);
  assert.match(plan.out, new RegExp(`v4 \\(${first.slice(0, 7)}\\) → `));
});

test('rollback --dry-run shows the command and the warning, and changes nothing', async () => {
  const world = await createWorld();
  const { code, out } = await world.deploy(['rollback', 'production', '--dry-run']);
  assert.equal(code, 0);
  assert.match(out, /heroku releases:rollback v1 -a campaign-kit-production/);
  assert.match(out, /schema does NOT roll back/);
  assert.deepEqual(writes(world.calls()), []);
});

test('rollback of production to a named version asks for the app name', async () => {
  const world = await createWorld();
  const refused = await world.deploy(['rollback', 'production', 'v1'], {
    isTTY: true,
    input: 'no\n',
  });
  assert.equal(refused.code, 1);
  assert.deepEqual(writes(world.calls()), []);
  const done = await world.deploy(['rollback', 'production', 'v1'], {
    isTTY: true,
    input: `${PRODUCTION}\n`,
  });
  assert.equal(done.code, 0, done.err);
  assert.deepEqual(writes(world.calls()), ['releases:rollback v1 -a campaign-kit-production']);
});

test('a logged-out CLI is reported with "run heroku login"', async () => {
  const world = await createWorld();
  world.update((state) => (state.email = null));
  world.commit({ 'src/server.ts': 'export const x = 4;\n' }, 'Change');
  const { code, err } = await world.deploy(['staging']);
  assert.equal(code, 1);
  assert.match(err, /not logged in: run heroku login/);
});

test('a missing heroku CLI is reported with how to install it', async () => {
  const world = await createWorld();
  world.commit({ 'src/server.ts': 'export const x = 5;\n' }, 'Change');
  const { code, err } = await world.deploy(['staging'], {
    env: { PATH: path.dirname(process.execPath) + ':/usr/bin:/bin' },
  });
  assert.equal(code, 1);
  assert.match(err, /the Heroku CLI is not installed \(no heroku on PATH\)/);
});

test('an unknown environment is a usage error listing the known ones', async () => {
  const world = await createWorld();
  const { code, err } = await world.deploy(['prod']);
  assert.equal(code, 2);
  assert.match(
    err,
    /unknown environment "prod": deploy\/environments.json has staging, production/,
  );
});

test('the CLI entry exits 0 with --help and 2 without an environment', async () => {
  const run = promisify(execFile);
  const help = await run(process.execPath, [CLI, '--help']);
  assert.match(help.stdout, /npm run deploy -- rollback <environment> \[vN\]/);
  await assert.rejects(run(process.execPath, [CLI]), (err: { code: number; stderr: string }) => {
    assert.equal(err.code, 2);
    assert.match(err.stderr, /name an environment to deploy to/);
    return true;
  });
});
