// npm run config:diff compares two apps' config var names and never prints a value, not even part of one.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  compareConfig,
  configDiffReport,
  documentedNames,
  main,
} from '../../scripts/config-diff.ts';
import { fakeHeroku } from './fake-heroku.ts';

const environments = {
  staging: { app: 'ck-stage-app', branch: 'main' },
  production: { app: 'ck-live-app', branch: 'main', promoteFrom: 'staging' },
};

const STAGING = {
  APP_ENV: 'staging',
  DATABASE_URL: 'postgres://u8fk2:p4Zq9XwVt7LmNb3Rc@ec2-10-1-2-3.compute.invalid:5432/d5k0a1',
  REDIS_URL: 'rediss://:Hq7Vz2Kp9Lw4Xt@ec2-10-9-8-7.compute.invalid:12790',
  SESSION_SECRET: '9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c',
  CAMPAIGN_NAME: 'Winter Photo Contest',
  MAIL_FROM: 'Contest Team <team@contest.invalid>',
  BASIC_AUTH_USER: 'reviewer',
  BASIC_AUTH_PASSWORD: 'Zx81Qw72Er63Ty54',
  LOG_LEVEL: 'debug',
  HEROKU_POSTGRESQL_IVORY_URL: 'postgres://a9:Yy5Uu6Ii7Oo8Pp9@ec2-10-4-4-4.compute.invalid/x1',
};

const PRODUCTION = {
  APP_ENV: 'production',
  DATABASE_URL: 'postgres://q7rt1:Mn5Bv6Cx7Zl8Kj9Hg@ec2-10-5-6-7.compute.invalid:5432/e8j2b4',
  REDIS_URL: 'rediss://:Gf3Ds4Aa5Pp6Oo@ec2-10-3-3-3.compute.invalid:24580',
  SESSION_SECRET: '9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c',
  CAMPAIGN_NAME: 'Winter Photo Contest',
  MAIL_FROM: 'Contest Team <team@contest.invalid>',
  LOG_LEVEL: 'info',
  MAILGUN_SMTP_PASSWORD: 'kH4jG5fD6sA7-mailgun-Lq2',
  MAILGUN_SMTP_SERVER: 'smtp.mailgun.invalid',
  BUCKETEER_BUCKET_NAME: 'bucketeer-3c5e7a9b-1d2f',
};

async function diff(left = 'staging', right = 'production') {
  const heroku = fakeHeroku({
    'ck-stage-app': { config: STAGING },
    'ck-live-app': { config: PRODUCTION },
  });
  const lines: string[] = [];
  const errors: string[] = [];
  const code = await main([left, right], {
    heroku,
    environments,
    out: { log: (line: string) => lines.push(line), error: (line: string) => errors.push(line) },
  });
  return { code, lines, errors, heroku, text: [...lines, ...errors].join('\n') };
}

const lineOf = (lines: string[], name: string) => {
  const found = lines.filter((line) => new RegExp(`^  \\S ${name}\\b`).test(line));
  assert.equal(found.length, 1, `one line for ${name}:\n${lines.join('\n')}`);
  return found[0] ?? '';
};

describe('npm run config:diff -- staging production', () => {
  test('prints no value, nor any six characters in a row of one', async () => {
    const { code, text } = await diff();
    assert.equal(code, 0);
    // APP_ENV's values are the environments' own names, which the report rightly shows.
    const values = [...Object.values(STAGING), ...Object.values(PRODUCTION)].filter(
      (value) => !(value in environments),
    );
    for (const value of values) {
      for (let i = 0; i + 6 <= value.length; i++) {
        const part = value.slice(i, i + 6);
        assert.ok(!text.includes(part), `the output shows "${part}" of a value:\n${text}`);
      }
    }
  });

  test('reads each app with heroku config --json -a APP and changes nothing', async () => {
    const { heroku } = await diff();
    assert.deepEqual(heroku.calls.map((c) => c.join(' ')).sort(), [
      'config --json -a ck-live-app',
      'config --json -a ck-stage-app',
    ]);
    assert.deepEqual(heroku.writes(), []);
  });

  test('says per name, sorted, whether it is the same, different, or only on one side', async () => {
    const { lines } = await diff();
    const names = lines.map((line) => /^ {2}\S (\S+)/.exec(line)?.[1]).filter(Boolean);
    const listed = names.slice(0, Object.keys({ ...STAGING, ...PRODUCTION }).length);
    assert.deepEqual(listed, [...listed].sort());
    assert.match(lineOf(lines, 'CAMPAIGN_NAME'), /^ {2}= CAMPAIGN_NAME +same on both$/);
    assert.match(lineOf(lines, 'LOG_LEVEL'), /! LOG_LEVEL +different +check this one$/);
    assert.match(lineOf(lines, 'BASIC_AUTH_USER'), /< BASIC_AUTH_USER +only on staging/);
    assert.match(lineOf(lines, 'MAILGUN_SMTP_SERVER'), /> MAILGUN_SMTP_SERVER +only on production/);
  });

  test('marks add-on and per-environment names as expected to differ, so the rest stand out', async () => {
    const { lines } = await diff();
    for (const name of [
      'DATABASE_URL',
      'REDIS_URL',
      'MAILGUN_SMTP_PASSWORD',
      'BUCKETEER_BUCKET_NAME',
    ]) {
      assert.match(lineOf(lines, name), /expected: set by an add-on$/);
    }
    assert.match(
      lineOf(lines, 'HEROKU_POSTGRESQL_IVORY_URL'),
      /only on staging +expected: set by an add-on/,
    );
    assert.match(lineOf(lines, 'APP_ENV'), /different +expected: one per environment$/);
    assert.doesNotMatch(lineOf(lines, 'LOG_LEVEL'), /expected/);
  });

  test("warns when both apps share a session secret, which lets one sign the other's cookies", async () => {
    const { lines } = await diff();
    assert.match(
      lineOf(lines, 'SESSION_SECRET'),
      /same on both +WARNING: must differ.*-a ck-live-app/,
    );
  });

  test('lists the names .env.example documents that neither app sets, leaving out local-only ones', async () => {
    const { lines } = await diff();
    const from = lines.findIndex((line) => line.startsWith('Documented in .env.example'));
    const unset = lines
      .slice(from + 1)
      .map((line) => /^ {2}\? (\S+)(.*)$/.exec(line))
      .filter((m) => m !== null);
    const names = unset.map((m) => m[1]);
    assert.ok(names.includes('PUBLIC_URL'), names.join(' '));
    assert.ok(names.includes('SHUTDOWN_TIMEOUT_MS'), names.join(' '));
    for (const set of ['LOG_LEVEL', 'MAIL_FROM', 'DATABASE_URL', 'SESSION_SECRET']) {
      assert.ok(!names.includes(set), `${set} is set, yet listed as unset`);
    }
    for (const local of ['PORT', 'DYNO', 'NODE_ENV', 'TEST_DATABASE_URL', 'DEV_DATA_DIR']) {
      assert.ok(!names.includes(local), `${local} is never a config var`);
    }
    const s3 = unset.find((m) => m[1] === 'S3_BUCKET');
    assert.match(s3?.[2] ?? '', /BUCKETEER_BUCKET_NAME stands in for it on production$/);
  });

  test('ends with one summary line of counts', async () => {
    const { lines } = await diff();
    assert.match(
      lines.at(-1) ?? '',
      /^config:diff staging production: 13 names, 3 same, 4 different, 3 only on staging, 3 only on production; 1 difference\(s\) to check, 1 warning\(s\); \d+ documented name\(s\) set on neither$/,
    );
  });

  test('an unknown environment is refused with the known ones, and nothing is read', async () => {
    const { code, errors, heroku } = await diff('staging', 'prod');
    assert.equal(code, 1);
    assert.match(errors.join('\n'), /no environment "prod".*staging, production/);
    assert.deepEqual(heroku.calls, []);
  });
});

describe('.env.example names', () => {
  test('are its NAME= lines, commented or not, and no words from its comments', () => {
    const names = documentedNames(
      [
        '# A comment with a URL=here',
        'PORT=3000',
        '# LOG_FORMAT=pretty',
        '  EMPTY=',
        // A step marker line, written in two parts so that no marker reaches a generated step.
        ['#', '@step 2+'].join(' '),
      ].join('\n'),
    );
    assert.deepEqual(names, ['EMPTY', 'LOG_FORMAT', 'PORT']);
  });

  test("include the project's own variables", () => {
    const names = documentedNames(readFileSync('.env.example', 'utf8'));
    for (const name of ['DATABASE_URL', 'SESSION_SECRET', 'REDIS_URL', 'S3_BUCKET']) {
      assert.ok(names.includes(name), name);
    }
  });
});

test('comparing: a name set to an empty string on one side is still set there', () => {
  assert.deepEqual(compareConfig({ A: '' }, { A: 'x', B: '' }), [
    { name: 'A', status: 'different' },
    { name: 'B', status: 'only-right' },
  ]);
});

test("the deploy tool's own settings and platform names are not listed as config vars nobody set", () => {
  const lines = configDiffReport(
    { env: 'staging', app: 'a', config: {} },
    { env: 'production', app: 'b', config: {} },
    ['DEPLOY_WEBHOOK_URL', 'PORT', 'MAIL_FROM'],
  );
  assert.ok(lines.some((line) => /\? MAIL_FROM/.test(line)));
  assert.ok(!lines.some((line) => /DEPLOY_WEBHOOK_URL|\? PORT/.test(line)), lines.join('\n'));
});
