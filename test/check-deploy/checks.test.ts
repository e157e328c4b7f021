// check:deploy against the recorded fixtures of the demo app: each check passes, warns and fails where it should,
// says why, and gives the command that fixes it; the exit code follows the worst verdict.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Status } from '../../scripts/check-deploy/check.ts';
import { byId, demo, fixture, tree, type FixtureName, type JsonReport } from './support.ts';

type Expected = Status | [Status, RegExp];

/** Each check's verdict on the good, the warn and the fail fixture, with the fix where there is one. */
const EXPECTED: Record<string, Record<FixtureName, Expected>> = {
  config: {
    good: 'pass',
    warn: 'pass',
    fail: ['fail', /^heroku config:set NAME=value -a demo/],
  },
  secrets: {
    good: 'pass',
    warn: ['warn', /^heroku config:set SESSION_SECRET=\$\(openssl rand -hex 32\) -a demo$/],
    fail: ['fail', /^heroku config:set SESSION_SECRET=\$\(openssl rand -hex 32\) -a demo$/],
  },
  'node-env': {
    good: 'pass',
    warn: 'pass',
    fail: ['fail', /^heroku config:set NODE_ENV=production -a demo$/],
  },
  'app-env': {
    good: 'pass',
    warn: 'pass',
    fail: ['fail', /^heroku config:set APP_ENV=production -a demo$/],
  },
  https: {
    good: 'pass',
    warn: ['warn', /^heroku config:set HSTS_MAX_AGE=31536000 -a demo$/],
    fail: [
      'fail',
      /^heroku config:set PUBLIC_URL=https:\/\/photo-contest\.herokuapp\.com -a demo$/,
    ],
  },
  'node-version': { good: 'pass', warn: 'pass', fail: 'pass' },
  lockfile: { good: 'pass', warn: 'pass', fail: 'pass' },
  procfile: { good: 'pass', warn: 'pass', fail: 'pass' },
  'app-json': { good: 'pass', warn: 'pass', fail: 'pass' },
  dynos: {
    good: 'pass',
    warn: ['warn', /^heroku ps:scale web=2 -a demo$/],
    fail: ['fail', /^heroku ps:scale web=2:standard-1x -a demo$/],
  },
  preboot: {
    good: 'pass',
    warn: 'pass',
    fail: ['fail', /^heroku features:enable preboot -a demo$/],
  },
  stack: {
    good: 'pass',
    warn: ['warn', /^git push heroku main$/],
    fail: ['fail', /^heroku stack:set heroku-24 -a demo, then git push heroku main$/],
  },
  postgres: {
    good: 'pass',
    warn: [
      'warn',
      /^heroku addons:upgrade postgresql-curved-21457 heroku-postgresql:premium-0 -a demo$/,
    ],
    fail: ['fail', /^heroku pg:backups:schedule DATABASE_URL --at '02:00 UTC' -a demo$/],
  },
  logs: {
    good: 'pass',
    warn: [
      'warn',
      /^heroku drains:add syslog\+tls:\/\/HOST:PORT -a demo, then heroku drains:remove syslog:/,
    ],
    fail: ['fail', /^heroku addons:create papertrail -a demo$/],
  },
  monitoring: {
    good: 'pass',
    warn: [
      'warn',
      /^heroku config:set OTEL_EXPORTER_OTLP_ENDPOINT=https:\/\/\S+ OTEL_EXPORTER_OTLP_HEADERS=\S+ -a demo$/,
    ],
    fail: ['fail', /^heroku config:set OTEL_EXPORTER_OTLP_ENDPOINT=/],
  },
  certificates: {
    good: 'pass',
    warn: ['warn', /^heroku certs:auto --wait -a demo$/],
    fail: ['fail', /^heroku certs:auto:enable -a demo$/],
  },
  'public-url': {
    good: 'pass',
    warn: ['warn', /^heroku config:set PUBLIC_URL=https:\/\/www\.photo-contest\.example -a demo$/],
    fail: ['fail', /^heroku config:set PUBLIC_URL=https:\/\/www\.photo-contest\.example -a demo$/],
  },
  'error-pages': {
    good: 'pass',
    warn: ['warn', /^deploy\/environments\.json: "pages": .*, then git push heroku main$/],
    fail: ['fail', /^deploy\/environments\.json: "pages": /],
  },
  'redis-plan': {
    good: 'pass',
    warn: 'pass',
    fail: ['fail', /^heroku addons:upgrade redis-rigid-60213 heroku-redis:premium-0 -a demo$/],
  },
  'redis-eviction': {
    good: 'pass',
    warn: ['warn', /^heroku redis:maxmemory REDIS_URL --policy noeviction -a demo$/],
    fail: ['fail', /^heroku redis:maxmemory REDIS_URL --policy noeviction -a demo$/],
  },
  scheduler: {
    good: 'pass',
    warn: 'pass',
    fail: ['fail', /^heroku addons:create scheduler:standard -a demo, then add the jobs/],
  },
  smtp: {
    good: 'pass',
    warn: ['warn', /^heroku config:set MAILGUN_SMTP_LOGIN=USER -a demo$/],
    fail: ['fail', /^heroku addons:create mailgun:starter -a demo$/],
  },
};

for (const name of ['good', 'warn', 'fail'] as const) {
  test(`the ${name} fixture: every check's verdict, its reason and its fix`, async () => {
    const result = await demo(fixture(name)).check(['--app', 'demo', '--json']);
    const checks = byId(result);
    assert.deepEqual(Object.keys(checks).sort(), Object.keys(EXPECTED).sort());
    for (const [id, verdicts] of Object.entries(EXPECTED)) {
      const expected = verdicts[name];
      const [status, fix] = typeof expected === 'string' ? [expected, undefined] : expected;
      const check = checks[id]!;
      assert.equal(check.status, status, `${id}: ${check.message}`);
      assert.ok(check.message.length > 0, id);
      if (fix === undefined) assert.equal(check.fix, null, id);
      else assert.match(check.fix ?? '', fix, id);
    }
    assert.equal(result.code, name === 'fail' ? 1 : 0);
  });
}

test('the reasons name what was found: plans, sizes, hosts, policies and the runbook’s figures', async () => {
  const warned = byId(await demo(fixture('warn')).check(['--app', 'demo', '--json']));
  assert.match(warned.dynos!.message, /one Standard-1X web dyno/);
  assert.match(
    warned.stack!.message,
    /runs heroku-22; heroku-24 is set and comes with the next build/,
  );
  assert.match(warned.postgres!.message, /standard-0: rollback 4 days back, but no HA standby/);
  assert.match(warned.certificates!.message, /photo-contest\.example: pending/);
  assert.match(warned.secrets!.message, /SESSION_SECRET has 38 characters; 64 advised/);
  assert.match(warned.monitoring!.message, /newrelic-shaped-55102 is attached/);
  const failed = byId(await demo(fixture('fail')).check(['--app', 'demo', '--json']));
  assert.match(
    failed.dynos!.message,
    /of size Basic: Basic dynos run at most one per process type/,
  );
  assert.match(failed.stack!.message, /heroku-20, 2 stacks behind heroku-24/);
  assert.match(failed.postgres!.message, /essential-0 without scheduled backups/);
  assert.match(failed['redis-eviction']!.message, /allkeys-lru/);
  assert.match(
    failed['error-pages']!.message,
    /MAINTENANCE_PAGE_URL is unset.*ERROR_PAGE_URL is http:/,
  );
  assert.deepEqual(failed.config!.details, [
    'SESSION_SECRET: required in production: heroku config:set SESSION_SECRET=$(openssl rand -hex 32) (web)',
    'SMTP_URL: not set: `npm run dev` starts a local inbox for you; on Heroku, add the Mailgun add-on or set SMTP_URL (worker)',
  ]);
});

test('Essential Postgres with a daily backup schedule warns, naming the schedule; it reads the schedules only there', async () => {
  const app = fixture('good');
  app.addons![0]!.plan = { name: 'heroku-postgresql:essential-0' };
  const result = await demo(app).check(['--app', 'demo', '--json']);
  const postgres = byId(result).postgres!;
  assert.equal(postgres.status, 'warn');
  assert.match(
    postgres.message,
    /essential-0, backed up daily \(DATABASE_URL at 2:00 Europe\/Berlin\).*up to 24 h/,
  );
  assert.equal(
    postgres.fix,
    'heroku addons:upgrade postgresql-curved-21457 heroku-postgresql:standard-0 -a demo',
  );
  assert.ok(result.calls.some((argv) => argv[0] === 'pg:backups:schedules'));
  const premium = await demo(fixture('good')).check(['--app', 'demo', '--json']);
  assert.ok(!premium.calls.some((argv) => argv[0] === 'pg:backups:schedules'));
});

test('the scheduler check prints every job of src/jobs.ts with the frequency its summary asks for', async () => {
  const { scheduler } = byId(await demo(fixture('good')).check(['--app', 'demo', '--json']));
  assert.deepEqual(scheduler!.details, [
    'node dist/src/job.js digest  hourly',
    'node dist/src/job.js sweep-uploads  daily',
    'node dist/src/job.js prune-outbox  daily',
  ]);
});

test('--json prints one object and nothing else on stdout; the progress goes to stderr', async () => {
  const result = await demo(fixture('warn')).check(['--app', 'demo', '--json']);
  const report = JSON.parse(result.out) as JsonReport;
  assert.deepEqual(Object.keys(report).sort(), ['app', 'checks', 'config', 'exitCode', 'summary']);
  assert.equal(report.app, 'demo');
  assert.equal(report.config, 'heroku config -a demo');
  for (const check of report.checks) {
    assert.deepEqual(
      Object.keys(check)
        .filter((k) => k !== 'details')
        .sort(),
      ['fix', 'group', 'id', 'message', 'status'],
    );
    assert.ok(['local', 'heroku'].includes(check.group));
  }
  const count = (status: Status) => report.checks.filter((c) => c.status === status).length;
  assert.deepEqual(report.summary, {
    pass: count('pass'),
    warn: count('warn'),
    fail: count('fail'),
  });
  assert.equal(report.summary.fail, 0);
  assert.equal(report.exitCode, 0);
  assert.match(result.err, /asking Heroku about demo: 9 commands side by side/);
  assert.match(result.err, /✓ heroku addons \(\d+\.\d s\)/);
});

test('the text report gives each check one line, its fix under it, and a summary', async () => {
  const result = await demo(fixture('fail')).check(['--app', 'demo']);
  assert.equal(result.code, 1);
  assert.match(result.out, /^check:deploy: config from heroku config -a demo$/m);
  assert.match(result.out, /^ {2}fail {2}preboot +preboot is off/m);
  assert.match(result.out, /^ +fix: heroku features:enable preboot -a demo$/m);
  assert.match(result.out, /^ {2}pass {2}lockfile +package-lock\.json/m);
  assert.match(result.out, /^4 pass, 0 warn, 18 fail: not ready for production$/m);
});

test('every heroku command the check runs is a read, run side by side after auth:whoami', async () => {
  const { calls } = await demo(fixture('good')).check(['--app', 'demo']);
  assert.deepEqual(calls[0], ['auth:whoami']);
  assert.deepEqual(
    calls
      .slice(1)
      .map((argv) => argv[0])
      .sort(),
    [
      'addons',
      'apps:info',
      'apps:stacks',
      'config',
      'domains',
      'drains',
      'features',
      'ps',
      'redis:info',
    ],
  );
  for (const argv of calls.slice(1)) assert.deepEqual(argv.slice(-2), ['-a', 'demo']);
});

test('where deploy/environments.json names the app, the fixes deploy with npm run deploy', async () => {
  const environments = JSON.stringify({
    pipeline: 'campaign-kit',
    environments: { production: { app: 'demo', branch: 'main' } },
  });
  const root = tree({ 'deploy/environments.json': environments });
  const checks = byId(await demo(fixture('warn')).check(['--app', 'demo', '--json'], { root }));
  assert.equal(checks.stack!.fix, 'npm run deploy -- production');
  assert.match(checks['error-pages']!.fix ?? '', /, then npm run deploy -- production$/);
});

test('stack: one stack behind warns with stack:set, and a stack without a number is said as it is', async () => {
  const behind = fixture('good');
  behind.info = {
    ...behind.info,
    stack: { name: 'heroku-22' },
    build_stack: { name: 'heroku-22' },
  };
  const { stack } = byId(await demo(behind).check(['--app', 'demo', '--json']));
  assert.equal(stack!.status, 'warn');
  assert.equal(stack!.message, 'heroku-22; heroku-24 is the newest in heroku apps:stacks');
  assert.equal(stack!.fix, 'heroku stack:set heroku-24 -a demo, then git push heroku main');
  const container = fixture('good');
  container.info = {
    ...container.info,
    stack: { name: 'container' },
    build_stack: { name: 'container' },
  };
  const other = byId(await demo(container).check(['--app', 'demo', '--json'])).stack!;
  assert.equal(other.status, 'warn');
  assert.match(other.message, /^the app runs container, not a heroku-NN stack/);
});
