// check:deploy without --app: this repository's own tree with a production-like environment passes, and each
// local check fails on a tree or an environment that gets it wrong, saying what to edit or set.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { byId, demo, fixture, ROOT, tree, type JsonReport } from './support.ts';

/** The good fixture's config vars, as a dyno would see them. */
const productionEnv = (): Record<string, string> => ({
  ...fixture('good').config,
  NODE_ENV: 'production',
});

const local = async (root: string, env: Record<string, string>) => {
  const result = await demo(fixture('good')).check(['--json'], { root, env });
  return { result, checks: byId(result) };
};

test('this repository, with a production-like environment, passes every local check', async () => {
  const { result, checks } = await local(ROOT, productionEnv());
  const report = JSON.parse(result.out) as JsonReport;
  assert.equal(report.app, null);
  assert.equal(report.config, "this shell's environment");
  for (const check of Object.values(checks)) {
    assert.equal(check.group, 'local');
    assert.equal(
      check.status,
      'pass',
      `${check.id}: ${check.message} ${check.details?.join('; ') ?? ''}`,
    );
  }
  assert.equal(Object.keys(checks).length, 9);
  assert.equal(result.code, 0);
  assert.deepEqual(result.err, '');
});

test('without --app, the fixes are for this shell, and the text says how to check the app too', async () => {
  const result = await demo(fixture('good')).check([], { env: { NODE_ENV: 'development' } });
  assert.equal(result.code, 1);
  assert.match(result.out, /fail {2}node-env +NODE_ENV is development/);
  assert.match(result.out, /fix: export NODE_ENV=production$/m);
  assert.match(
    result.out,
    /fix: export SESSION_SECRET=\$\(openssl rand -hex 32\) UNSUBSCRIBE_SECRET=\$\(openssl rand -hex 32\)$/m,
  );
  assert.match(result.out, /^Add --app NAME to check the app on Heroku too/m);
});

test('config: every problem of every process, once, with the processes it stops', async () => {
  const env = productionEnv();
  delete env.DATABASE_URL;
  env.DIGEST_HOUR = '25';
  const { checks } = await local(ROOT, env);
  assert.equal(checks.config!.status, 'fail');
  assert.match(checks.config!.message, /^2 config problems would stop a process at start$/);
  assert.deepEqual(checks.config!.details, [
    'DATABASE_URL: not set: `npm run dev` starts a local Postgres for you; on Heroku, add the Postgres add-on (web, worker, release, job digest, job sweep-uploads, job prune-outbox)',
    'DIGEST_HOUR: Too big: expected number to be <=23 (got "25") (job digest)',
  ]);
  assert.equal(
    checks.config!.fix,
    'set each variable listed in the environment (see .env.example), then run this again',
  );
});

test('https: PUBLIC_URL on plain http fails; HSTS off, or shorter than half a year, warns', async () => {
  const plain = await local(ROOT, {
    ...productionEnv(),
    PUBLIC_URL: 'http://photo-contest.example',
  });
  assert.equal(plain.checks.https!.status, 'fail');
  assert.match(
    plain.checks.https!.message,
    /^PUBLIC_URL is http:\/\/photo-contest\.example: no visitor is sent to HTTPS/,
  );
  assert.equal(plain.checks.https!.fix, 'export PUBLIC_URL=https://photo-contest.example');

  const off = await local(ROOT, { ...productionEnv(), HSTS: 'off' });
  assert.equal(off.checks.https!.status, 'warn');
  assert.match(off.checks.https!.message, /HSTS is off/);
  assert.equal(off.checks.https!.fix, 'export HSTS=on');

  const trial = await local(ROOT, { ...productionEnv(), HSTS_MAX_AGE: '300' });
  assert.equal(trial.checks.https!.status, 'warn');
  assert.match(trial.checks.https!.message, /^HSTS lasts 300 s/);
  assert.equal(trial.checks.https!.fix, 'export HSTS_MAX_AGE=31536000');

  const good = await local(ROOT, { ...productionEnv(), HSTS: 'include-subdomains' });
  assert.equal(good.checks.https!.status, 'pass');
  assert.match(good.checks.https!.message, /for 365 days, for this host and its subdomains$/);
});

test('secrets: under the schema’s minimum fails, under the advised length warns, the same secret twice warns', async () => {
  const short = await local(ROOT, { ...productionEnv(), UNSUBSCRIBE_SECRET: 'x'.repeat(20) });
  assert.equal(short.checks.secrets!.status, 'fail');
  assert.match(
    short.checks.secrets!.message,
    /UNSUBSCRIBE_SECRET has 20 characters; the app refuses fewer than 32/,
  );
  assert.equal(short.checks.secrets!.fix, 'export UNSUBSCRIBE_SECRET=$(openssl rand -hex 32)');

  const password = await local(ROOT, {
    ...productionEnv(),
    BASIC_AUTH_USER: 'preview',
    BASIC_AUTH_PASSWORD: 'fourteen-chars',
  });
  assert.equal(password.checks.secrets!.status, 'warn');
  assert.match(
    password.checks.secrets!.message,
    /BASIC_AUTH_PASSWORD has 14 characters; 24 advised \(openssl rand -hex 12\)/,
  );

  const env = productionEnv();
  const same = await local(ROOT, { ...env, UNSUBSCRIBE_SECRET: env.SESSION_SECRET! });
  assert.equal(same.checks.secrets!.status, 'warn');
  assert.match(same.checks.secrets!.message, /SESSION_SECRET and UNSUBSCRIBE_SECRET are the same/);
});

test('node-version: a range or one release warns, no engines fails; the fix is package.json', async () => {
  const pkg = JSON.parse(
    JSON.stringify(await import('../../package.json', { with: { type: 'json' } })),
  ).default as {
    engines?: { node: string };
  };
  const withEngines = (node: string | undefined) =>
    JSON.stringify({ ...pkg, engines: node === undefined ? undefined : { node } });
  const range = await local(tree({ 'package.json': withEngines('>=24') }), productionEnv());
  assert.equal(range.checks['node-version']!.status, 'warn');
  assert.match(range.checks['node-version']!.message, /">=24", a range/);
  assert.equal(range.checks['node-version']!.fix, 'package.json: "engines": { "node": "24.x" }');
  const exact = await local(tree({ 'package.json': withEngines('24.11.1') }), productionEnv());
  assert.equal(exact.checks['node-version']!.status, 'warn');
  const none = await local(tree({ 'package.json': withEngines(undefined) }), productionEnv());
  assert.equal(none.checks['node-version']!.status, 'fail');
});

test('lockfile: none fails, two fail (the buildpack refuses them)', async () => {
  const none = await local(tree({ 'package-lock.json': null }), productionEnv());
  assert.equal(none.checks.lockfile!.status, 'fail');
  assert.equal(none.checks.lockfile!.fix, 'npm install (then commit package-lock.json)');
  const two = await local(tree({ 'yarn.lock': '' }), productionEnv());
  assert.equal(two.checks.lockfile!.status, 'fail');
  assert.match(two.checks.lockfile!.message, /package-lock\.json and yarn\.lock/);
  assert.equal(two.checks.lockfile!.fix, 'git rm yarn.lock');
});

test('procfile: no release line or no Procfile fails, a release that is not the migrations warns', async () => {
  const fix = 'Procfile: release: node dist/src/migrate.js';
  const web = 'web: node dist/src/server.js\n';
  const none = await local(tree({ Procfile: web }), productionEnv());
  assert.equal(none.checks.procfile!.status, 'fail');
  assert.equal(none.checks.procfile!.fix, fix);
  const missing = await local(tree({ Procfile: null }), productionEnv());
  assert.equal(missing.checks.procfile!.status, 'fail');
  const other = await local(tree({ Procfile: `release: ./bin/notify\n${web}` }), productionEnv());
  assert.equal(other.checks.procfile!.status, 'warn');
  const gone = await local(
    tree({ Procfile: `release: node dist/src/migrations.js\n${web}` }),
    productionEnv(),
  );
  assert.equal(gone.checks.procfile!.status, 'fail');
  assert.match(gone.checks.procfile!.message, /src\/migrations\.ts does not exist/);
});

test('app-json: an unknown key, a bad size or an environment Heroku does not read fails, each said', async () => {
  const appJson = JSON.parse(
    JSON.stringify(await import('../../app.json', { with: { type: 'json' } })),
  ).default as Record<string, unknown>;
  const broken = {
    ...appJson,
    addon: [],
    formation: { web: { quantity: 2, size: 'standard-4x' } },
    environments: { staging: {} },
  };
  const { checks } = await local(tree({ 'app.json': JSON.stringify(broken) }), productionEnv());
  assert.equal(checks['app-json']!.status, 'fail');
  assert.equal(checks['app-json']!.fix, 'app.json');
  const details = checks['app-json']!.details ?? [];
  assert.ok(
    details.some((d) => /^app\.json: Unrecognized key: "addon"/.test(d)),
    details.join('\n'),
  );
  assert.ok(
    details.some((d) => d.startsWith('app.json/formation/web/size: expected one of')),
    details.join('\n'),
  );
  assert.ok(
    details.some((d) => /^app\.json\/environments: Unrecognized key: "staging"/.test(d)),
    details.join('\n'),
  );
  const notJson = await local(tree({ 'app.json': '{' }), productionEnv());
  assert.equal(notJson.checks['app-json']!.status, 'fail');
  const missing = await local(tree({ 'app.json': null }), productionEnv());
  assert.equal(missing.checks['app-json']!.status, 'warn');
});
