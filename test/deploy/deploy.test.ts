// npm run deploy -- <env>: a real git project pushed to real bare repositories, the fake heroku answering.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { startTestBucket } from '../support/bucket.ts';
import { createWorld, STAGING, writes } from './support/world.ts';

const MIGRATION = 'migrations/20261201090000_add_campaign_goal.ts';

test('a deploy without migrations pushes, waits for the release, checks dynos and /healthz, without downtime', async () => {
  const world = await createWorld();
  const sha = world.commit({ 'src/server.ts': 'export const x = 1;\n' }, 'Change the server');
  const { code, out, err } = await world.deploy(['staging']);
  assert.equal(err, '');
  assert.equal(code, 0, out);
  assert.equal(world.remoteMain(STAGING), sha);
  assert.deepEqual(writes(world.calls()), []);
  assert.match(out, /commits \(1\):\n {2}[0-9a-f]{7} Change the server/);
  assert.match(out, /M src\/server\.ts/);
  assert.match(out, /migrations: none/);
  assert.match(out, /downtime: none/);
  assert.match(out, /release \| applying migrations/);
  assert.match(out, /git \| remote: Verifying deploy\.\.\. done\./);
  assert.equal(world.state().apps[STAGING]?.releases.find((r) => r.current)?.version, 3);
});

test('a deploy with migrations turns maintenance on before the push and off after the dynos are up, then checks /healthz', async () => {
  const world = await createWorld();
  world.commit({ [MIGRATION]: 'export {};\n' }, 'Add a campaign goal');
  const { code, out, err } = await world.deploy(['staging']);
  assert.equal(code, 0, out + err);
  assert.match(out, /migrations: yes, the release phase applies migrations\/20261201090000/);
  assert.match(out, /downtime: yes/);
  const order = world
    .calls()
    .map((argv) => argv[0])
    .filter((name) => name !== 'releases' && name !== 'auth:whoami' && name !== 'apps:info');
  assert.deepEqual(order, ['maintenance:on', 'releases:output', 'ps', 'maintenance:off']);
  assert.ok(out.indexOf('turning maintenance on') < out.indexOf('pushing'));
  assert.ok(out.indexOf('turning maintenance off') < out.indexOf('checking /healthz'));
  assert.equal(world.state().apps[STAGING]?.maintenance, false);
});

test('a failed release leaves maintenance on and says what state the app is in and what to run (exit 1)', async () => {
  const world = await createWorld();
  world.commit({ [MIGRATION]: 'throw new Error();\n' }, 'Add a broken migration');
  world.update((state) => {
    const app = state.apps[STAGING];
    if (app)
      app.next = { ...app.next, status: 'failed', output: ['migration failed: syntax error'] };
  });
  const { code, out, err } = await world.deploy(['staging']);
  assert.equal(code, 1);
  assert.match(out, /release \| migration failed: syntax error/);
  assert.match(err, /release v3 of campaign-kit-staging failed/);
  assert.match(
    err,
    /staging is in maintenance mode, running v2 code; the database may hold part of the migration/,
  );
  assert.match(err, /heroku releases:output v3 -a campaign-kit-staging/);
  assert.match(err, /heroku maintenance:off -a campaign-kit-staging/);
  assert.deepEqual(writes(world.calls()), ['maintenance:on -a campaign-kit-staging']);
  assert.equal(world.state().apps[STAGING]?.maintenance, true);
  assert.equal(world.git('tag', '--list'), '');
});

test('an unhealthy /healthz after maintenance:off turns maintenance back on and says so', async () => {
  const world = await createWorld();
  world.commit({ [MIGRATION]: 'export {};\n' }, 'Add a campaign goal');
  world.health.status = 500;
  const { code, out, err } = await world.deploy(['staging']);
  assert.equal(code, 1);
  assert.match(out, /turning maintenance back on/);
  assert.match(err, /\/healthz answered 500/);
  assert.match(err, /in maintenance mode on v3/);
  assert.deepEqual(writes(world.calls()), [
    'maintenance:on -a campaign-kit-staging',
    'maintenance:off -a campaign-kit-staging',
    'maintenance:on -a campaign-kit-staging',
  ]);
});

test('the commit already deployed is "up to date": exit 0, nothing pushed', async () => {
  const world = await createWorld();
  const before = world.remoteMain(STAGING);
  const { code, out } = await world.deploy(['staging']);
  assert.equal(code, 0);
  assert.match(out, /staging \(campaign-kit-staging\) is up to date: v2 runs/);
  assert.equal(world.remoteMain(STAGING), before);
  assert.deepEqual(writes(world.calls()), []);
});

test('a dirty work tree (an untracked file counts) is refused before heroku is asked anything', async () => {
  const world = await createWorld();
  world.commit({ 'src/server.ts': 'export const x = 2;\n' }, 'Change');
  writeFileSync(path.join(world.project, 'notes.txt'), 'draft\n');
  const { code, err } = await world.deploy(['staging']);
  assert.equal(code, 1);
  assert.match(err, /1 uncommitted or untracked file/);
  assert.match(err, /commit or stash them/);
  assert.match(err, /nothing was changed on Heroku/);
  assert.deepEqual(world.calls(), []);
});

test("a branch other than the environment's is refused with the branch to switch to", async () => {
  const world = await createWorld();
  world.git('switch', '--quiet', '--create', 'feature');
  world.commit({ 'src/server.ts': 'export const x = 3;\n' }, 'Feature');
  const { code, err } = await world.deploy(['staging']);
  assert.equal(code, 1);
  assert.match(err, /staging deploys the branch main, and feature is checked out/);
  assert.match(err, /git switch main/);
  assert.deepEqual(world.calls(), []);
});

test('--dry-run prints the plan and the exact commands, and changes nothing', async () => {
  const world = await createWorld();
  world.commit({ [MIGRATION]: 'export {};\n' }, 'Add a campaign goal');
  const before = world.remoteMain(STAGING);
  const { code, out } = await world.deploy(['staging', '--dry-run']);
  assert.equal(code, 0);
  assert.match(out, /downtime: yes/);
  assert.match(
    out,
    /heroku maintenance:on -a campaign-kit-staging\n {2}git push \S+campaign-kit-staging\.git [0-9a-f]{40}:refs\/heads\/main\n {2}heroku maintenance:off/,
  );
  assert.match(out, /dry run: nothing was changed/);
  assert.deepEqual(writes(world.calls()), []);
  assert.deepEqual([...new Set(world.calls().map((argv) => argv[0]))].sort(), [
    'apps:info',
    'auth:whoami',
    'releases',
  ]);
  assert.equal(world.remoteMain(STAGING), before);
  assert.equal(world.git('tag', '--list'), '');
  assert.equal(world.state().apps[STAGING]?.maintenance, false);
});

test('a deploy of older code than what runs warns that it goes back and that removed migrations stay applied', async () => {
  const world = await createWorld();
  const first = world.git('rev-parse', 'HEAD').trim();
  world.commit({ [MIGRATION]: 'export {};\n' }, 'Add a campaign goal');
  assert.equal((await world.deploy(['staging'])).code, 0);
  world.git('reset', '--quiet', '--hard', first);
  const { code, out } = await world.deploy(['staging', '--dry-run']);
  assert.equal(code, 0);
  assert.match(
    out,
    /OLDER than what runs: 1 commit\(s\) go away:\n {2}[0-9a-f]{7} Add a campaign goal/,
  );
  assert.match(
    out,
    /lacks migrations the database has \(migrations\/20261201090000_add_campaign_goal\.ts\): they stay applied/,
  );
  assert.match(out, /downtime: none/);
});

test('the tag is annotated, named for the environment, and says what was deployed where, by whom, when', async () => {
  const world = await createWorld();
  const sha = world.commit({ 'src/server.ts': 'export const x = 4;\n' }, 'Change');
  assert.equal((await world.deploy(['staging'])).code, 0);
  assert.equal(world.git('cat-file', '-t', 'staging/v3').trim(), 'tag');
  assert.equal(world.git('rev-parse', 'staging/v3^{commit}').trim(), sha);
  assert.equal(
    world.git('tag', '--list', '--format=%(contents)', 'staging/v3').trim(),
    `Deployed ${sha} to campaign-kit-staging (staging) as v3 by dev@example.com at 2026-11-02T09:00:00.000Z`,
  );
});

test('the release note is printed and posted to DEPLOY_WEBHOOK_URL as {text}', async () => {
  const world = await createWorld();
  world.commit({ [MIGRATION]: 'export {};\n' }, 'Add a campaign goal');
  const { code, out } = await world.deploy(['staging'], {
    env: { DEPLOY_WEBHOOK_URL: world.webhook.url },
  });
  assert.equal(code, 0, out);
  const note = /Deployed campaign-kit-staging \(staging\) as v3[\s\S]*rollback staging/.exec(
    out,
  )?.[0];
  assert.ok(note, out);
  assert.match(
    note,
    /commits: [0-9a-f]{7}\.\.[0-9a-f]{7} \(1\)\n {2}[0-9a-f]{7} Add a campaign goal/,
  );
  assert.match(note, /migrations: yes \(migrations\/20261201090000_add_campaign_goal\.ts\)/);
  assert.deepEqual(world.webhook.bodies, [{ text: note }]);
});

test('an unreachable webhook is a warning, and the deploy still succeeds', async () => {
  const world = await createWorld();
  world.commit({ 'src/server.ts': 'export const x = 5;\n' }, 'Change');
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise((resolve) => closed.close(resolve));
  const url = `http://127.0.0.1:${port}/hook`;
  const { code, out } = await world.deploy(['staging'], { env: { DEPLOY_WEBHOOK_URL: url } });
  assert.equal(code, 0);
  assert.match(
    out,
    /⚠ the webhook could not be reached \(connect ECONNREFUSED [^)]*\); the deploy itself is done/,
  );
});

test('a heroku command failing half-way says the app may be in maintenance mode and how to reopen it', async () => {
  const world = await createWorld();
  world.commit({ [MIGRATION]: 'export {};\n' }, 'Add a campaign goal');
  world.update((state) => (state.broken = ['maintenance:off']));
  const { code, err } = await world.deploy(['staging']);
  assert.equal(code, 1);
  assert.match(err, /heroku maintenance:off -a campaign-kit-staging failed \(exit 1\)/);
  assert.match(err, /state: staging may be in maintenance mode/);
  assert.match(
    err,
    /heroku maintenance -a campaign-kit-staging, then heroku maintenance:off -a campaign-kit-staging/,
  );
  assert.equal(world.git('tag', '--list'), '');
});

test('an unhealthy /healthz without migrations suggests a rollback and touches no maintenance', async () => {
  const world = await createWorld();
  world.commit({ 'src/server.ts': 'export const x = 6;\n' }, 'Change');
  world.health.status = 503;
  const { code, err } = await world.deploy(['staging']);
  assert.equal(code, 1);
  assert.match(err, /state: staging serves v3/);
  assert.match(err, /npm run deploy -- rollback staging/);
  assert.deepEqual(writes(world.calls()), []);
});

test('a release that does not finish in time says maintenance stays on until it does', async () => {
  const world = await createWorld();
  world.commit({ [MIGRATION]: 'export {};\n' }, 'Add a campaign goal');
  world.update((state) => {
    const app = state.apps[STAGING];
    if (app) app.next = { ...app.next, reads: 1000 };
  });
  const { code, out, err } = await world.deploy(['staging'], {
    env: { DEPLOY_RELEASE_TIMEOUT_MS: '1' },
  });
  assert.equal(code, 1);
  assert.match(out, /… v3 pending/);
  assert.match(err, /no new release of campaign-kit-staging finished in time/);
  assert.match(err, /staging is in maintenance mode, running v2 code until the release finishes/);
  assert.match(err, /once it has: heroku maintenance:off -a campaign-kit-staging/);
  assert.deepEqual(writes(world.calls()), ['maintenance:on -a campaign-kit-staging']);
});

test('web dynos that do not come up on the new release keep maintenance on and say what to look at', async () => {
  const world = await createWorld();
  world.commit({ [MIGRATION]: 'export {};\n' }, 'Add a campaign goal');
  world.update((state) => {
    const app = state.apps[STAGING];
    if (app) app.next = { ...app.next, dynoState: 'crashed' };
  });
  const { code, err } = await world.deploy(['staging'], { env: { DEPLOY_DYNO_TIMEOUT_MS: '1' } });
  assert.equal(code, 1);
  assert.match(err, /the web dynos of campaign-kit-staging did not come up on v3/);
  assert.match(err, /heroku logs --tail -a campaign-kit-staging/);
  assert.deepEqual(writes(world.calls()), ['maintenance:on -a campaign-kit-staging']);
});

test('an app with no deploy yet gets a first deploy of the whole tree, migrations and all', async () => {
  const world = await createWorld();
  world.update((state) => {
    const app = state.apps[STAGING];
    if (!app) return;
    app.releases = app.releases.filter((r) => r.version === 1);
    for (const release of app.releases) release.current = true;
  });
  const { code, out } = await world.deploy(['staging', '--dry-run']);
  assert.equal(code, 0);
  assert.match(out, /staging \(campaign-kit-staging\): nothing \(first deploy\) → [0-9a-f]{7}/);
  assert.match(out, /A migrations\/20261123090000_create_users\.ts/);
  assert.match(out, /downtime: yes/);
});

test('with a pages bucket, the pages are published once, and the URLs set only when they change', async () => {
  const world = await createWorld();
  const s3 = await startTestBucket();
  const pages = { bucket: s3.bucket, region: s3.region, endpoint: s3.url };
  const page = (title: string) => `<!doctype html><title>${title}</title>\n`;
  world.commit(
    {
      'deploy/environments.json': JSON.stringify({
        pages,
        environments: { staging: { app: STAGING, branch: 'main' } },
      }),
      'public/platform/maintenance.html': page('Back soon'),
      'public/platform/error.html': page('Something went wrong'),
    },
    'Publish the platform pages',
  );
  const env = { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey };
  const first = await world.deploy(['staging'], { env });
  assert.equal(first.code, 0, first.out + first.err);
  const config = world.state().apps[STAGING]?.config ?? {};
  const maintenance = config.MAINTENANCE_PAGE_URL ?? '';
  assert.match(maintenance, /\/platform\/maintenance-[0-9a-f]{12}\.html$/);
  assert.match(config.ERROR_PAGE_URL ?? '', /\/platform\/error-[0-9a-f]{12}\.html$/);
  const served = await fetch(
    `${s3.url}/${s3.bucket}/${new URL(maintenance).pathname.split('/').slice(-2).join('/')}`,
  );
  assert.equal(await served.text(), page('Back soon'));
  // The config release came first; the deploy's own release is the one after it, and it is tagged.
  const sets = writes(world.calls()).filter((line) => line.startsWith('config:set'));
  assert.equal(sets.length, 1);
  assert.match(world.git('tag', '--list'), /^staging\/v4$/m);

  // The same pages again: no config change, so no release of its own.
  world.commit({ 'src/server.ts': 'export const y = 2;\n' }, 'Change the server again');
  const second = await world.deploy(['staging'], { env });
  assert.equal(second.code, 0, second.out + second.err);
  assert.match(second.out, /the pages are unchanged/);
  assert.equal(writes(world.calls()).filter((line) => line.startsWith('config:set')).length, 1);

  // A changed page: a new name, and the URL set again.
  world.commit(
    { 'public/platform/maintenance.html': page('Back in ten minutes') },
    'Reword the page',
  );
  const third = await world.deploy(['staging'], { env });
  assert.equal(third.code, 0, third.out + third.err);
  const changed = world.state().apps[STAGING]?.config?.MAINTENANCE_PAGE_URL;
  assert.notEqual(changed, maintenance);
  assert.equal(world.state().apps[STAGING]?.config?.ERROR_PAGE_URL, config.ERROR_PAGE_URL);
});

test('pages that cannot be published stop the deploy before anything changes, saying what to check', async () => {
  const world = await createWorld();
  world.commit(
    {
      'deploy/environments.json': JSON.stringify({
        pages: { bucket: 'campaign-pages', region: 'eu-west-1', endpoint: 'http://127.0.0.1:9' },
        environments: { staging: { app: STAGING, branch: 'main' } },
      }),
      'public/platform/maintenance.html': 'maintenance',
      'public/platform/error.html': 'error',
    },
    'Pages to a bucket that is not there',
  );
  const env = { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'example' };
  const { code, err } = await world.deploy(['staging'], { env });
  assert.equal(code, 1);
  assert.match(err, /the pages could not be published to s3:\/\/campaign-pages/);
  assert.match(err, /nothing was changed|nothing changed/i);
  assert.deepEqual(writes(world.calls()), []);
});
