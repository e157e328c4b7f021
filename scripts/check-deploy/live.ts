// The checks of the live app, from what the CLI printed: dynos, preboot, stack, Postgres, logs, monitoring,
// certificates, error pages, Redis, Scheduler and SMTP.
import { smtpConfig } from '../../src/email/email.config.ts';
import { fail, pass, setVars, warn, worst, type CheckResult } from './check.ts';
import { scheduledJobs } from './entry-points.ts';
import { BACKUPS_ONLY, databaseOf, planOf, type Facts } from './facts.ts';
import type { Addon } from './shapes.ts';

export interface LiveInput {
  readonly app: string;
  readonly facts: Facts;
  /** The stack app.json names, which the code is built and tested on; undefined without one. */
  readonly appJsonStack: string | undefined;
  /** How this project deploys to the app: `npm run deploy -- production`, or a git push. */
  readonly deployCommand: string;
}

type Check = (input: LiveInput) => Omit<CheckResult, 'id' | 'group'>;

const serviceOf = (addons: readonly Addon[], ...services: string[]) =>
  addons.filter((a) => services.includes(a.addon_service.name ?? ''));

// Eco and Basic run at most one dyno of a process type; Fir's sizes scale, but Fir has no preboot.
const SCALES_OUT = /^(standard|performance|private|shield|dyno-)/i;

const dynos: Check = ({ app, facts }) => {
  const web = facts.dynos.filter((d) => d.type === 'web');
  const sizes = [...new Set(web.map((d) => d.size))];
  const fix = `heroku ps:scale web=2:standard-1x -a ${app}`;
  if (web.length === 0) return fail('no web dyno runs: the site is down', fix);
  const small = sizes.filter((size) => !SCALES_OUT.test(size));
  if (small.length > 0)
    return fail(
      `${web.length} web dyno${web.length === 1 ? '' : 's'} of size ${sizes.join(', ')}: ${small.join(' and ')} dynos run at most one per process type, so web cannot scale out`,
      fix,
    );
  if (web.length < 2)
    return warn(
      `one ${sizes.join('')} web dyno: while it restarts (daily, or after a crash) the site is down`,
      `heroku ps:scale web=2 -a ${app}`,
    );
  return pass(`${web.length} web dynos of size ${sizes.join(', ')}`);
};

const preboot: Check = ({ app, facts }) => {
  const feature = facts.features.find((f) => f.name === 'preboot');
  if (feature === undefined)
    return warn(
      'the app has no preboot feature (a Fir app, or a Private Space): deploys may drop requests',
      `heroku features -a ${app}`,
    );
  if (feature.enabled)
    return pass('preboot is on: new web dynos take traffic before the old ones stop');
  return fail(
    'preboot is off: each deploy stops the old web dynos before the new ones answer, so requests fail',
    `heroku features:enable preboot -a ${app}`,
  );
};

const stackNumber = (name: string) => Number(/^heroku-(\d+)$/.exec(name)?.[1] ?? Number.NaN);

/** The newest heroku-NN stack that the Platform API offers (`heroku apps:stacks`). */
export function newestStack(stacks: readonly string[]): string | undefined {
  return stacks
    .filter((name) => Number.isFinite(stackNumber(name)))
    .toSorted((a, b) => stackNumber(b) - stackNumber(a))[0];
}

const stack: Check = ({ app, facts, appJsonStack, deployCommand }) => {
  const running = facts.info.app.stack.name;
  const next = facts.info.app.build_stack?.name ?? running;
  const newest = newestStack(facts.stacks);
  const where = 'the newest in heroku apps:stacks';
  if (newest === undefined)
    return warn(
      `heroku apps:stacks listed no heroku-NN stack; the app runs ${running}`,
      `heroku apps:stacks -a ${app}`,
    );
  if (running === newest) {
    if (appJsonStack !== undefined && appJsonStack !== newest)
      return warn(
        `the app runs ${newest} (${where}), app.json still names ${appJsonStack}`,
        'app.json: "stack"',
      );
    return pass(`${running}, ${where}`);
  }
  if (next === newest)
    return warn(
      `the app runs ${running}; ${newest} is set and comes with the next build`,
      deployCommand,
    );
  if (!Number.isFinite(stackNumber(running)))
    return warn(
      `the app runs ${running}, not a heroku-NN stack; ${newest} is ${where}`,
      `heroku apps:stacks -a ${app}`,
    );
  const behind = stackNumber(newest) - stackNumber(running);
  const fix = `heroku stack:set ${newest} -a ${app}, then ${deployCommand}`;
  // One release behind is still supported; the one before that is the next to be retired, or already is.
  if (behind <= 2 && appJsonStack === running)
    return warn(
      `${running}, as app.json says; ${newest} is ${where}: try it on staging first`,
      `app.json: "stack": "${newest}", then ${fix}`,
    );
  if (behind <= 2) return warn(`${running}; ${newest} is ${where}`, fix);
  return fail(
    `${running}, ${behind / 2} stacks behind ${newest} (${where}): retired or about to be`,
    fix,
  );
};

const postgres: Check = ({ app, facts }) => {
  const database = databaseOf(facts.addons);
  if (database === undefined)
    return facts.config.DATABASE_URL
      ? warn(
          'DATABASE_URL points to a database outside Heroku: check its failover and backups against docs/runbook.md',
          'docs/runbook.md',
        )
      : fail(
          'no Postgres: nothing can sign up',
          `heroku addons:create heroku-postgresql:standard-0 -a ${app}`,
        );
  const plan = planOf(database);
  const upgrade = (to: string) =>
    `heroku addons:upgrade ${database.name} heroku-postgresql:${to} -a ${app}`;
  // The figures are Heroku's, as docs/runbook.md quotes them.
  if (/^(premium|private|shield)/.test(plan))
    return pass(
      `${plan}: an HA standby, rollback a week back, under 15 min downtime a month (docs/runbook.md)`,
    );
  if (plan.startsWith('standard'))
    return warn(
      `${plan}: rollback 4 days back, but no HA standby: under 1 h downtime a month, and a lost server is down until replaced`,
      upgrade('premium-0'),
    );
  if (!BACKUPS_ONLY.test(plan))
    return fail(
      `${plan} is not a production plan (no persistence across restarts)`,
      upgrade('standard-0'),
    );
  const schedules = facts.schedules ?? [];
  if (schedules.length === 0)
    return fail(
      `${plan} without scheduled backups: no rollback, so a mistake loses everything since the last backup someone took by hand`,
      `heroku pg:backups:schedule DATABASE_URL --at '02:00 UTC' -a ${app}`,
    );
  return warn(
    `${plan}, backed up daily (${schedules.map((s) => `${s.name} at ${s.at}`).join(', ')}): no rollback or HA, so a mistake loses up to 24 h and downtime may reach 4 h a month (docs/runbook.md)`,
    upgrade('standard-0'),
  );
};

const LOG_SERVICES = [
  'papertrail',
  'logdna',
  'mezmo',
  'solarwinds',
  'logentries',
  'sumologic',
  'coralogix',
];

const logs: Check = ({ app, facts }) => {
  const addons = serviceOf(facts.addons, ...LOG_SERVICES);
  const plain = facts.drains.filter((d) => /^(syslog|http):/.test(d.url));
  if (plain.length > 0)
    return warn(
      `${plain.map((d) => d.addon?.name ?? d.url).join(', ')} receives the logs unencrypted (${plain[0]!.url.split(':')[0]}://)`,
      `heroku drains:add syslog+tls://HOST:PORT -a ${app}, then heroku drains:remove ${plain[0]!.url} -a ${app}`,
    );
  if (facts.drains.length > 0 || addons.length > 0) {
    const names = [
      ...addons.map((a) => a.name),
      ...facts.drains.filter((d) => !d.addon).map((d) => d.url),
    ];
    return pass(`the logs go to ${names.join(', ')}`);
  }
  return fail(
    'no log drain and no log add-on: Logplex keeps only the last 1,500 lines, and nothing raises an alert',
    `heroku addons:create papertrail -a ${app}`,
  );
};

const APM_SERVICES = ['newrelic', 'scout', 'appsignal', 'librato'];

const monitoring: Check = ({ app, facts }) => {
  const endpoint = facts.config.OTEL_EXPORTER_OTLP_ENDPOINT;
  const fix = `heroku config:set OTEL_EXPORTER_OTLP_ENDPOINT=https://otlp.example.com OTEL_EXPORTER_OTLP_HEADERS=api-key=KEY -a ${app}`;
  if (endpoint) return pass(`traces and metrics go over OTLP to ${endpoint}`);
  const apm = serviceOf(facts.addons, ...APM_SERVICES);
  if (apm.length > 0)
    return warn(
      `${apm.map((a) => a.name).join(', ')} is attached, but the app sends telemetry only over OTLP (src/telemetry.ts), and OTEL_EXPORTER_OTLP_ENDPOINT is unset`,
      fix,
    );
  return fail('no APM and no metrics exporter: slow requests and errors go unseen', fix);
};

const certificates: Check = ({ app, facts }) => {
  const custom = facts.domains.filter((d) => d.kind === 'custom');
  if (custom.length === 0)
    return warn(
      'no custom domain: the site answers only on its herokuapp.com address',
      `heroku domains:add www.example.com -a ${app}`,
    );
  if (!facts.info.app.acm)
    return fail(
      `ACM is off: ${custom.map((d) => d.hostname).join(', ')} get${custom.length === 1 ? 's' : ''} no certificate that Heroku renews`,
      `heroku certs:auto:enable -a ${app}`,
    );
  const failed = custom.filter((d) => d.acm_status === 'failed' || d.acm_status === 'failing');
  const describe = (d: (typeof custom)[number]) =>
    `${d.hostname}: ${d.acm_status ?? 'no status'}${d.acm_status_reason ? ` (${d.acm_status_reason})` : ''}`;
  if (failed.length > 0)
    return fail(
      `no certificate for ${failed.map(describe).join(', ')}`,
      `heroku domains -a ${app} (point the DNS at each DNS target), then heroku certs:auto:refresh -a ${app}`,
    );
  const waiting = custom.filter((d) => d.acm_status !== 'cert issued');
  if (waiting.length > 0)
    return warn(
      `not issued yet: ${waiting.map(describe).join(', ')}`,
      `heroku certs:auto --wait -a ${app}`,
    );
  return pass(`ACM is on; certificates issued for ${custom.map((d) => d.hostname).join(', ')}`);
};

const PAGES = ['MAINTENANCE_PAGE_URL', 'ERROR_PAGE_URL'] as const;

const pages: Check = ({ facts, deployCommand }) => {
  const verdicts = PAGES.map((name) => {
    const value = facts.config[name];
    if (!value)
      return {
        status: 'warn' as const,
        text: `${name} is unset, so the router shows Heroku's own page`,
      };
    if (!/^https:\/\/[^/\s]+/.test(value))
      return {
        status: 'fail' as const,
        text: `${name} is ${value}: the router shows it in a frame of the https site, where browsers block anything not https`,
      };
    return { status: 'pass' as const, text: `${name} set` };
  });
  const status = worst(verdicts.map((v) => v.status));
  // The deploy tool publishes public/platform/ to a public bucket of its own and sets both URLs (guide 6).
  const fix = `deploy/environments.json: "pages": { "bucket", "region" } (steps/guides/06-environments.md), then ${deployCommand}`;
  if (status === 'pass')
    return pass('MAINTENANCE_PAGE_URL and ERROR_PAGE_URL are https pages of your own');
  const text = verdicts
    .filter((v) => v.status !== 'pass')
    .map((v) => v.text)
    .join('; ');
  return status === 'fail' ? fail(text, fix) : warn(text, fix);
};

// PLATFORM.md's figures from the Key-Value Store's plans page.
const REDIS_CONNECTIONS: Readonly<Record<string, number>> = {
  'premium-0': 40,
  'premium-1': 80,
  'premium-2': 200,
};

const redisPlan: Check = ({ app, facts }) => {
  const redis = serviceOf(facts.addons, 'heroku-redis');
  if (redis.length === 0)
    return facts.config.REDIS_URL
      ? warn(
          'REDIS_URL points to a Redis outside Heroku: check its plan and eviction policy yourself',
          'docs/runbook.md',
        )
      : fail(
          'no Redis: web refuses to start in production without REDIS_URL',
          `heroku addons:create heroku-redis:premium-0 --as REDIS -a ${app}`,
        );
  const plan = planOf(redis[0]!);
  if (/^(mini|hobby)/.test(plan))
    return fail(
      `${plan}: 25 MB and 20 connections, no standby; the sessions and rate limits of every dyno live here`,
      `heroku addons:upgrade ${redis[0]!.name} heroku-redis:premium-0 -a ${app}`,
    );
  const connections = REDIS_CONNECTIONS[plan];
  return pass(`${plan}${connections ? `: ${connections} connections` : ''}, not a hobby plan`);
};

const eviction: Check = ({ app, facts }) => {
  const fix = `heroku redis:maxmemory REDIS_URL --policy noeviction -a ${app}`;
  const database = facts.redis[0];
  if (database === undefined)
    return facts.config.REDIS_URL
      ? warn(
          'REDIS_URL is not a Heroku add-on: check that its maxmemory-policy is noeviction',
          'redis-cli CONFIG GET maxmemory-policy',
        )
      : fail(
          'no Redis to check',
          `heroku addons:create heroku-redis:premium-0 --as REDIS -a ${app}`,
        );
  const policy = database.info.find((row) => /^maxmemory$/i.test(row.name))?.values[0];
  if (policy === undefined)
    return warn(`heroku redis:info did not say ${database.name}'s maxmemory policy`, fix);
  if (policy === 'noeviction')
    return pass(
      'maxmemory policy noeviction: a full Redis refuses writes rather than dropping sessions',
    );
  return fail(
    `maxmemory policy ${String(policy)}: a full Redis deletes sessions and rate-limit counts (logouts, limits reset) without a word`,
    fix,
  );
};

const scheduler: Check = ({ app, facts }) => {
  const jobs = scheduledJobs();
  const details = jobs.map((j) => `${j.command}  ${j.every}`);
  const names = jobs.map((j) => `${j.name} (${j.every})`).join(', ');
  if (serviceOf(facts.addons, 'scheduler').length === 0)
    return fail(
      `no Scheduler: nothing runs ${names}`,
      `heroku addons:create scheduler:standard -a ${app}, then add the jobs below (heroku addons:open scheduler -a ${app})`,
      details,
    );
  return pass(
    `Scheduler is attached; the CLI cannot list its jobs, so check that heroku addons:open scheduler -a ${app} shows ${names}`,
    details,
  );
};

const smtp: Check = ({ app, facts }) => {
  const url = facts.config.SMTP_URL || smtpConfig.prepare?.(facts.config).SMTP_URL;
  const fix = `heroku addons:create mailgun:starter -a ${app}`;
  if (!url)
    return fail(
      'no SMTP_URL and no Mailgun variables: the worker cannot start, so no email goes out',
      fix,
    );
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail(
      'SMTP_URL is not a URL',
      setVars({ app }, "SMTP_URL='smtp://USER:PASSWORD@HOST:587'"),
    );
  }
  const source = facts.config.SMTP_URL ? 'SMTP_URL' : 'the Mailgun add-on variables';
  if (!parsed.username)
    return warn(
      `${source} give${source === 'SMTP_URL' ? 's' : ''} ${parsed.hostname} no user name: providers refuse mail without AUTH`,
      facts.config.SMTP_URL
        ? setVars({ app }, "SMTP_URL='smtp://USER:PASSWORD@HOST:587'")
        : setVars({ app }, 'MAILGUN_SMTP_LOGIN=USER'),
    );
  return pass(`${source}: ${parsed.hostname}:${parsed.port || 'default port'}, with a user name`);
};

/** PUBLIC_URL names a host of this app, and its own domain once it has one. */
const address: Check = ({ app, facts }) => {
  const url = URL.parse(facts.config.PUBLIC_URL ?? '');
  const custom = facts.domains.filter((d) => d.kind === 'custom').map((d) => d.hostname);
  const fix = `heroku config:set PUBLIC_URL=https://${custom[0] ?? `${app}.herokuapp.com`} -a ${app}`;
  if (url === null) return fail('PUBLIC_URL is not set: see the config check', fix);
  const host = url.hostname;
  if (!facts.domains.some((d) => d.hostname === host))
    return fail(
      `PUBLIC_URL names ${host}, which is not a domain of ${app}: email links and the HTTPS redirect lead elsewhere`,
      custom.length > 0 ? fix : `heroku domains:add ${host} -a ${app}`,
    );
  if (custom.length > 0 && !custom.includes(host))
    return warn(
      `PUBLIC_URL is still ${host}, while the app has ${custom.join(', ')}: emails and redirects name the old address`,
      fix,
    );
  return pass(`PUBLIC_URL names ${host}, a domain of ${app}`);
};

const CHECKS: Readonly<Record<string, Check>> = {
  dynos,
  preboot,
  stack,
  postgres,
  logs,
  monitoring,
  certificates,
  'public-url': address,
  'error-pages': pages,
  'redis-plan': redisPlan,
  'redis-eviction': eviction,
  scheduler,
  smtp,
};

export function liveChecks(input: LiveInput): CheckResult[] {
  return Object.entries(CHECKS).map(([id, check]) => ({ id, group: 'heroku', ...check(input) }));
}
