// `npm run config:diff -- staging production`: which config var names two apps share, differ on or lack,
// without ever printing a value.
import { readFileSync } from 'node:fs';
import { configOf, type ConfigVars, type OpsDeps } from './ops/heroku-cli.ts';

export type Status = 'same' | 'different' | 'only-left' | 'only-right';

export interface NameStatus {
  name: string;
  status: Status;
  /** Why a difference here is normal, when it is. */
  expected?: string;
}

// Set by add-ons (and rotated by them): two apps never share a database, a Redis or a bucket.
const ADD_ON_MANAGED = /^(DATABASE_URL|REDIS_URL|HEROKU_.*|BUCKETEER_.*|MAILGUN_.*)$/;
// Each environment has its own by design.
const PER_ENVIRONMENT = new Set([
  'APP_ENV',
  'PUBLIC_URL',
  'SESSION_SECRET',
  'BASIC_AUTH_USER',
  'BASIC_AUTH_PASSWORD',
]);
// The same value on two apps would let one sign what the other trusts.
const MUST_DIFFER = new Set(['SESSION_SECRET']);
// Documented for local runs only, or set by the platform on each dyno: never a config var.
const NOT_CONFIG_VARS = new Set([
  'PORT',
  'DYNO',
  'NODE_ENV',
  'DEV_DATA_DIR',
  'TEST_DATABASE_URL',
  'TEST_REDIS_URL',
]);
// The deploy tool's own settings, read from the deployer's shell.
const DEPLOY_TOOL = /^DEPLOY_/;
// An add-on's variable that the app reads when ours is unset (src/platform/s3.config.ts, email config).
const STAND_INS: Readonly<Record<string, string>> = {
  S3_BUCKET: 'BUCKETEER_BUCKET_NAME',
  AWS_REGION: 'BUCKETEER_AWS_REGION',
  AWS_ACCESS_KEY_ID: 'BUCKETEER_AWS_ACCESS_KEY_ID',
  AWS_SECRET_ACCESS_KEY: 'BUCKETEER_AWS_SECRET_ACCESS_KEY',
  SMTP_URL: 'MAILGUN_SMTP_SERVER',
};

function expectedDifference(name: string): string | undefined {
  if (ADD_ON_MANAGED.test(name)) return 'set by an add-on';
  if (PER_ENVIRONMENT.has(name)) return 'one per environment';
  return undefined;
}

/** Every name set on either side, sorted, with how the two sides compare. */
export function compareConfig(left: ConfigVars, right: ConfigVars): NameStatus[] {
  const names = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
  return names.map((name) => {
    const status: Status = !Object.hasOwn(right, name)
      ? 'only-left'
      : !Object.hasOwn(left, name)
        ? 'only-right'
        : left[name] === right[name]
          ? 'same'
          : 'different';
    const expected = status === 'same' ? undefined : expectedDifference(name);
    return { name, status, ...(expected ? { expected } : {}) };
  });
}

/** The names `.env.example` documents: its `NAME=` lines, and the same behind a `#`. */
export function documentedNames(envExample: string): string[] {
  const names = new Set<string>();
  for (const line of envExample.split('\n')) {
    const match = /^\s*(?:#\s*)?([A-Z][A-Z0-9_]*)=/.exec(line);
    if (match?.[1]) names.add(match[1]);
  }
  return [...names].sort();
}

export interface Side {
  env: string;
  app: string;
  config: ConfigVars;
}

/** The report's lines: one per name, then the documented names neither sets, then a summary. */
export function configDiffReport(left: Side, right: Side, documented: readonly string[]): string[] {
  const compared = compareConfig(left.config, right.config);
  const width = Math.max(
    12,
    ...compared.map((c) => c.name.length),
    ...documented.map((n) => n.length),
  );
  const words: Record<Status, string> = {
    same: 'same on both',
    different: 'different',
    'only-left': `only on ${left.env}`,
    'only-right': `only on ${right.env}`,
  };
  const marks: Record<Status, string> = {
    same: '=',
    different: '!',
    'only-left': '<',
    'only-right': '>',
  };
  const wordWidth = Math.max(...Object.values(words).map((w) => w.length));
  const lines = [
    `config:diff ${left.env} (${left.app}) against ${right.env} (${right.app}); values are never shown`,
    '',
  ];
  let matter = 0;
  let warnings = 0;
  for (const { name, status, expected } of compared) {
    let note = '';
    if (expected) note = `  expected: ${expected}`;
    else if (status !== 'same') {
      note = '  check this one';
      matter++;
    } else if (MUST_DIFFER.has(name)) {
      note = `  WARNING: must differ between apps: heroku config:set ${name}=$(openssl rand -hex 32) -a ${right.app}`;
      warnings++;
    }
    lines.push(
      `  ${marks[status]} ${name.padEnd(width)}  ${words[status].padEnd(wordWidth)}${note}`.trimEnd(),
    );
  }

  const set = (name: string) =>
    Object.hasOwn(left.config, name) || Object.hasOwn(right.config, name);
  const unset = documented.filter(
    (name) => !NOT_CONFIG_VARS.has(name) && !DEPLOY_TOOL.test(name) && !set(name),
  );
  lines.push(
    '',
    `Documented in .env.example, set on neither (its default applies, or it is unused):`,
  );
  if (unset.length === 0) lines.push('  (none)');
  for (const name of unset) {
    const standIn = STAND_INS[name];
    const where =
      standIn === undefined ? [] : [left, right].filter((s) => Object.hasOwn(s.config, standIn));
    const note =
      where.length === 0
        ? ''
        : `  ${standIn} stands in for it on ${where.length === 2 ? 'both' : where.map((s) => s.env).join('')}`;
    lines.push(`  ? ${name.padEnd(width)}${note}`.trimEnd());
  }

  const count = (status: Status) => compared.filter((c) => c.status === status).length;
  lines.push(
    '',
    `config:diff ${left.env} ${right.env}: ${compared.length} names, ${count('same')} same, ` +
      `${count('different')} different, ${count('only-left')} only on ${left.env}, ` +
      `${count('only-right')} only on ${right.env}; ${matter} difference(s) to check, ` +
      `${warnings} warning(s); ${unset.length} documented name(s) set on neither`,
  );
  return lines;
}

const USAGE =
  'usage: npm run config:diff -- <environment> <environment>, such as staging production';

export interface ConfigDiffDeps extends OpsDeps {
  /** The text of .env.example; read from the project when not given. */
  envExample?: string;
}

export async function main(argv: readonly string[], deps: ConfigDiffDeps): Promise<number> {
  const { heroku, environments, out } = deps;
  const known = Object.keys(environments).join(', ');
  if (argv.length !== 2) {
    out.error(`${USAGE} (environments: ${known})`);
    return 1;
  }
  const sides: Side[] = [];
  for (const env of argv) {
    const app = environments[env]?.app;
    if (app === undefined) {
      out.error(
        `config:diff: no environment "${env}" in deploy/environments.json (it has ${known})`,
      );
      return 1;
    }
    sides.push({ env, app, config: {} });
  }
  const [left, right] = sides as [Side, Side];
  [left.config, right.config] = await Promise.all([
    configOf(heroku, left.app),
    configOf(heroku, right.app),
  ]);
  const envExample =
    deps.envExample ?? readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
  for (const line of configDiffReport(left, right, documentedNames(envExample))) out.log(line);
  return 0;
}

if (import.meta.main) {
  const { runOps } = await import('./ops/deps.ts');
  await runOps(main);
}
