// The checks that need no Heroku: the config each process validates, its secrets, NODE_ENV and APP_ENV, and
// the files the platform reads (package.json's engines, the lockfile, the Procfile, app.json).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, type Env } from '../../src/config.ts';
import { unsubscribeConfig } from '../../src/digest/digest.config.ts';
import { environmentConfig } from '../../src/platform/environment.config.ts';
import { messageOf } from '../../src/platform/errors.ts';
import { httpsConfig } from '../../src/platform/https.config.ts';
import { sessionConfig } from '../../src/platform/session.config.ts';
import { appJsonProblems } from './app-json.ts';
import { fail, pass, setVars, warn, type CheckResult, type Target } from './check.ts';
import { ENTRY_POINTS } from './entry-points.ts';

export interface LocalInput {
  readonly root: string;
  /** The config to check: this shell's environment, or the app's config vars. */
  readonly env: Env;
  readonly target: Target;
  readonly now: Date;
}

type Check = (input: LocalInput) => Omit<CheckResult, 'id' | 'group'>;

const readText = (root: string, file: string): string | undefined => {
  try {
    return readFileSync(path.join(root, file), 'utf8');
  } catch {
    return undefined;
  }
};

/** Every entry point's config, validated as production validates it, whatever NODE_ENV says here. */
const config: Check = ({ env, target, now }) => {
  const production = { ...env, NODE_ENV: 'production' };
  const where = new Map<string, string[]>();
  for (const [entry, parts] of Object.entries(ENTRY_POINTS)) {
    let problems: readonly string[] = [];
    try {
      loadConfig(production, parts, now);
    } catch (err) {
      problems = err instanceof ConfigError ? err.problems : [messageOf(err)];
    }
    for (const problem of problems) where.set(problem, [...(where.get(problem) ?? []), entry]);
  }
  const entries = Object.keys(ENTRY_POINTS);
  if (where.size === 0)
    return pass(`every variable that ${entries.join(', ')} read is valid for production`);
  const details = [...where].map(([problem, of]) => `${problem} (${of.join(', ')})`);
  return fail(
    `${where.size} config problem${where.size === 1 ? '' : 's'} would stop a process at start`,
    target.app === undefined
      ? 'set each variable listed in the environment (see .env.example), then run this again'
      : `heroku config:set NAME=value -a ${target.app}, for each variable listed`,
    details,
  );
};

// What `openssl rand -hex N` (the command the schemas' own messages suggest) makes: 2N characters. The
// schemas refuse less than their minimum; between the two a secret works but may have been typed by hand.
const SECRETS = [
  {
    name: 'SESSION_SECRET',
    schema: sessionConfig.variables.SESSION_SECRET,
    bytes: 32,
    required: true,
  },
  {
    name: 'UNSUBSCRIBE_SECRET',
    schema: unsubscribeConfig.variables.UNSUBSCRIBE_SECRET,
    bytes: 32,
    required: true,
  },
  {
    name: 'BASIC_AUTH_PASSWORD',
    schema: environmentConfig.variables.BASIC_AUTH_PASSWORD,
    bytes: 12,
    required: false,
  },
];

const secrets: Check = ({ env, target }) => {
  const fails: string[] = [];
  const warns: string[] = [];
  const fixes: string[] = [];
  const said: string[] = [];
  for (const { name, schema, bytes, required } of SECRETS) {
    const value = env[name] || undefined;
    const enforced = schema.unwrap().minLength ?? 0;
    const advised = bytes * 2;
    const renew = `${name}=$(openssl rand -hex ${bytes})`;
    if (value === undefined) {
      if (required) {
        fails.push(`${name} is not set`);
        fixes.push(renew);
      }
      continue;
    }
    if (value.length < enforced) {
      fails.push(`${name} has ${value.length} characters; the app refuses fewer than ${enforced}`);
      fixes.push(renew);
    } else if (value.length < advised) {
      warns.push(
        `${name} has ${value.length} characters; ${advised} advised (openssl rand -hex ${bytes})`,
      );
      fixes.push(renew);
    } else said.push(`${name} ${value.length}`);
  }
  if (env.SESSION_SECRET && env.SESSION_SECRET === env.UNSUBSCRIBE_SECRET) {
    warns.push('SESSION_SECRET and UNSUBSCRIBE_SECRET are the same: one leak breaks both');
    fixes.push('UNSUBSCRIBE_SECRET=$(openssl rand -hex 32)');
  }
  const fix = setVars(target, ...new Set(fixes));
  if (fails.length > 0) return fail([...fails, ...warns].join('; '), fix);
  if (warns.length > 0) return warn(warns.join('; '), fix);
  return pass(`long enough (characters: ${said.join(', ')})`);
};

const nodeEnv: Check = ({ env, target }) => {
  const value = env.NODE_ENV || undefined;
  if (value === 'production') return pass('NODE_ENV is production');
  if (value === undefined && target.app !== undefined)
    return pass('NODE_ENV is not a config var: the Node buildpack sets production on every dyno');
  return fail(
    `NODE_ENV is ${value ?? 'unset'}: the app runs with its development defaults (memory stores, no secure cookies)`,
    setVars(target, 'NODE_ENV=production'),
  );
};

const appEnv: Check = ({ env, target }) => {
  const value = env.APP_ENV || undefined;
  if (value === 'production') return pass('APP_ENV is production');
  return fail(
    value === undefined
      ? 'APP_ENV is unset: the app refuses to start in production without it'
      : `APP_ENV is ${value}: pages carry a "${value}" banner and ask search engines to stay away`,
    setVars(target, 'APP_ENV=production'),
  );
};

// What browsers' HSTS checkers and the HTTP Observatory take as long enough: 180 days.
const HALF_A_YEAR = 15_552_000;

/** PUBLIC_URL on https, so that plain HTTP is redirected, and HSTS that browsers keep. */
const https: Check = ({ env, target, now }) => {
  let settings;
  try {
    settings = loadConfig({ ...env, NODE_ENV: 'production' }, { https: httpsConfig }, now).https;
  } catch {
    // The config check names what is wrong with PUBLIC_URL, HSTS or COOKIE_DOMAIN.
    return fail('PUBLIC_URL, HSTS or COOKIE_DOMAIN is not valid: see the config check', 'above');
  }
  if (!settings.redirect)
    return fail(
      `PUBLIC_URL is ${settings.origin}: no visitor is sent to HTTPS, and over plain HTTP the Secure session cookie never comes back: logins fail`,
      setVars(target, `PUBLIC_URL=https://${new URL(settings.origin).host}`),
    );
  if (settings.hsts === false)
    return warn(
      `plain HTTP goes to ${settings.origin}, but HSTS is off: a visitor's first request each time can be read or changed on the way`,
      setVars(target, 'HSTS=on'),
    );
  if (settings.hsts.maxAge < HALF_A_YEAR)
    return warn(
      `HSTS lasts ${settings.hsts.maxAge} s: right while you try a new domain, too short to keep browsers on HTTPS`,
      setVars(target, 'HSTS_MAX_AGE=31536000'),
    );
  const reach = settings.hsts.includeSubDomains ? 'this host and its subdomains' : 'this host';
  return pass(
    `plain HTTP goes to ${settings.origin}; HSTS keeps browsers on HTTPS for ${Math.round(settings.hsts.maxAge / 86_400)} days, for ${reach}`,
  );
};

const nodeVersion: Check = ({ root }) => {
  let engines: unknown;
  try {
    engines = (JSON.parse(readText(root, 'package.json') ?? '') as { engines?: { node?: unknown } })
      .engines?.node;
  } catch {
    return fail('package.json is missing or not JSON', 'package.json');
  }
  const fix = 'package.json: "engines": { "node": "24.x" }';
  if (typeof engines !== 'string')
    return fail('no engines.node: each build takes the buildpack’s default Node, which moves', fix);
  if (/^\d+\.x$/.test(engines))
    return pass(`engines.node is ${engines}: each build takes the newest ${engines} release`);
  if (/^\d+\.\d+\.\d+$/.test(engines))
    return warn(
      `engines.node is ${engines}, one release: no security fixes until it is changed`,
      fix,
    );
  return warn(`engines.node is "${engines}", a range: a new major can arrive with any build`, fix);
};

const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml'];

const lockfile: Check = ({ root }) => {
  const present = LOCKFILES.filter((file) => existsSync(path.join(root, file)));
  if (present.length === 1) return pass(`${present[0]} pins every dependency's version`);
  if (present.length === 0)
    return fail(
      'no lockfile: each build resolves the dependencies afresh',
      'npm install (then commit package-lock.json)',
    );
  return fail(
    `${present.join(' and ')}: the Node buildpack refuses a build with more than one lockfile`,
    `git rm ${present.filter((f) => f !== 'package-lock.json').join(' ')}`,
  );
};

const procfile: Check = ({ root }) => {
  const text = readText(root, 'Procfile');
  const fix = 'Procfile: release: node dist/src/migrate.js';
  if (text === undefined)
    return fail('no Procfile: Heroku runs npm start and no release phase', fix);
  const release = /^release:[ \t]*(.+)$/m.exec(text)?.[1]?.trim();
  if (release === undefined)
    return fail(
      'the Procfile has no release: line, so nothing applies the migrations before a release',
      fix,
    );
  const script = /\bdist\/(src\/[\w./-]+)\.js\b/.exec(release)?.[1];
  if (script !== undefined && !existsSync(path.join(root, `${script}.ts`)))
    return fail(`release: runs ${release}, and ${script}.ts does not exist`, fix);
  if (!/migrat/.test(release))
    return warn(`release: runs ${release}, which does not look like the migrations`, fix);
  return pass(`release: ${release} applies the migrations before each release goes live`);
};

const appJson: Check = ({ root }) => {
  const text = readText(root, 'app.json');
  if (text === undefined)
    return warn('no app.json: review apps, Heroku CI and the Heroku Button read it', 'app.json');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return fail(`app.json is not JSON (${messageOf(err)})`, 'app.json');
  }
  const problems = appJsonProblems(value);
  if (problems.length > 0)
    return fail(`app.json does not follow Heroku's app.json schema`, 'app.json', problems);
  return pass("app.json follows the structure of Heroku's app.json schema");
};

const CHECKS: Readonly<Record<string, Check>> = {
  config,
  secrets,
  'node-env': nodeEnv,
  'app-env': appEnv,
  https,
  'node-version': nodeVersion,
  lockfile,
  procfile,
  'app-json': appJson,
};

export function localChecks(input: LocalInput): CheckResult[] {
  return Object.entries(CHECKS).map(([id, check]) => ({ id, group: 'local', ...check(input) }));
}
