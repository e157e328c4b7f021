// The plan of npm run dev: what runs, with which ports and environment, from the inputs alone (no processes).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  instanceEnv,
  launchBanner,
  planLaunch,
  type KnownStandIn,
  type LaunchPlan,
  type PlanInput,
  type PlanProblem,
} from '../scripts/dev/index.ts';

const PROCFILE = [
  'release: node dist/src/migrate.js',
  'web: node dist/src/server.js',
  'worker: node dist/src/worker.js',
].join('\n');

// Stand-ins as the plan sees them: named in data, so these hold at every step whatever services it has.
const DB: KnownStandIn = { name: 'db', envVar: 'DB_URL', releaseInputs: ['migrations'] };
const MAIL: KnownStandIn = { name: 'mail', envVar: 'MAIL_URL', alsoSetBy: ['MAIL_HOST'] };
const CACHE: KnownStandIn = { name: 'cache', envVar: 'CACHE_URL', releaseInputs: ['migrations'] };

function input(overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    procfile: PROCFILE,
    env: {},
    dotenv: undefined,
    names: [],
    scale: {},
    without: [],
    known: [],
    colour: false,
    sessionSecret: 'shared-secret',
    ...overrides,
  };
}

function plan(overrides: Partial<PlanInput> = {}): LaunchPlan {
  const planned = planLaunch(input(overrides));
  assert.ok(planned.ok, `expected a plan, got: ${planned.ok ? '' : planned.problem}`);
  return planned;
}

function problem(overrides: Partial<PlanInput> = {}): PlanProblem {
  const planned = planLaunch(input(overrides));
  assert.ok(!planned.ok, 'expected a problem, got a plan');
  return planned;
}

describe('the launch plan', () => {
  test('runs the release once without reload, then every other type with reload, web on PORT', () => {
    const planned = plan({ dotenv: { PORT: '4100' } });
    assert.deepEqual(planned.release, { command: 'node src/migrate.ts', inputs: [] });
    assert.deepEqual(planned.instances, [
      {
        type: 'web',
        name: 'web',
        dyno: 'web.1',
        command: 'node --watch src/server.ts',
        port: 4100,
      },
      { type: 'worker', name: 'worker', dyno: 'worker.1', command: 'node --watch src/worker.ts' },
    ]);
    assert.equal(planned.port, 4100);
    assert.deepEqual(planned.names, ['release', 'web', 'worker', 'router']);
    assert.equal(planned.router, undefined);
    assert.equal(planned.leftOut, undefined);
  });

  test('has no release phase when the Procfile has none, and web on 3000 when PORT is unset', () => {
    const planned = plan({ procfile: 'web: node dist/src/server.js' });
    assert.equal(planned.release, undefined);
    assert.equal(planned.port, 3000);
    assert.deepEqual(planned.names, ['web', 'router']);
  });

  test('runs only the named types, says which it leaves out, and needs no port without web', () => {
    const planned = plan({ names: ['worker'], env: { PORT: 'not a port' } });
    assert.deepEqual(
      planned.instances.map((i) => i.name),
      ['worker'],
    );
    assert.equal(planned.port, undefined);
    assert.equal(planned.leftOut, 'left out: web (npm run dev without names runs them all)');
  });

  test('--scale web=2 puts two web processes on ports of their own behind a router on PORT', () => {
    const planned = plan({ scale: { web: 2 }, env: { PORT: '4200' } });
    assert.deepEqual(
      planned.instances.map(({ name, dyno, port }) => ({ name, dyno, port })),
      [
        { name: 'web.1', dyno: 'web.1', port: 'free' },
        { name: 'web.2', dyno: 'web.2', port: 'free' },
        { name: 'worker', dyno: 'worker.1', port: undefined },
      ],
    );
    assert.deepEqual(planned.router, { port: 4200, to: ['web.1', 'web.2'] });
    assert.deepEqual(planned.names, ['release', 'web.1', 'web.2', 'worker', 'router']);
  });

  test('--scale worker=3 names each worker and needs no router', () => {
    const planned = plan({ scale: { worker: 3 } });
    assert.deepEqual(
      planned.instances.map((i) => i.name),
      ['web', 'worker.1', 'worker.2', 'worker.3'],
    );
    assert.equal(planned.router, undefined);
  });

  test('gives several web processes one SESSION_SECRET, unless the environment or .env sets one', () => {
    assert.equal(plan({ scale: { web: 2 } }).env.SESSION_SECRET, 'shared-secret');
    assert.equal(
      plan({ scale: { web: 2 }, dotenv: { SESSION_SECRET: 'mine' } }).env.SESSION_SECRET,
      'mine',
    );
    assert.equal(plan({ scale: { web: 2 }, env: { SESSION_SECRET: '' } }).env.SESSION_SECRET, '');
    assert.equal(plan().env.SESSION_SECRET, undefined);
  });

  test('tells the processes to colour when the launcher does, unless NO_COLOR or FORCE_COLOR is set', () => {
    assert.equal(plan({ colour: true }).env.FORCE_COLOR, '1');
    assert.equal(plan({ colour: false }).env.FORCE_COLOR, undefined);
    assert.equal(plan({ colour: true, env: { NO_COLOR: '1' } }).env.FORCE_COLOR, undefined);
    assert.equal(plan({ colour: true, env: { FORCE_COLOR: '0' } }).env.FORCE_COLOR, '0');
  });

  test('starts from the real environment over .env over the dev defaults, and says where it came from', () => {
    const planned = plan({ env: { LOG_LEVEL: 'debug' }, dotenv: { LOG_LEVEL: 'info', NAME: 'a' } });
    assert.equal(planned.env.LOG_LEVEL, 'debug');
    assert.equal(planned.env.NAME, 'a');
    assert.equal(planned.env.NODE_ENV, 'development');
    assert.deepEqual(planned.notes, ['.env loaded']);
    assert.match(plan().notes.join('\n'), /^no \.env: defaults apply/);
    const skipped = plan({ env: { DEV_SKIP_DOTENV: '1' }, dotenv: { NAME: 'a' } });
    assert.deepEqual(skipped.notes, ['.env not read (DEV_SKIP_DOTENV=1)']);
    assert.equal(skipped.env.NAME, undefined);
  });

  test('starts a stand-in for each service that no variable configures, in the known order', () => {
    const known = [DB, MAIL, CACHE];
    assert.deepEqual(plan({ known }).standIns, ['db', 'mail', 'cache']);
    assert.deepEqual(plan({ known, dotenv: { DB_URL: 'postgres://mine' } }).standIns, [
      'mail',
      'cache',
    ]);
    assert.deepEqual(plan({ known, env: { MAIL_HOST: 'smtp.example.com' } }).standIns, [
      'db',
      'cache',
    ]);
    // An empty value is unset, as the app's config reads it.
    assert.deepEqual(plan({ known, env: { DB_URL: '' } }).standIns, ['db', 'mail', 'cache']);
  });

  test('--without leaves a stand-in out, saying which variable stays unset, before the .env line', () => {
    const planned = plan({ known: [DB, MAIL], without: ['mail'] });
    assert.deepEqual(planned.standIns, ['db']);
    assert.deepEqual(planned.notes, [
      'mail: not started (--without mail), so MAIL_URL stays unset',
      'no .env: defaults apply (copy .env.example to .env to change them)',
    ]);
  });

  test('runs the release again on a change in any known service’s folders, each folder once', () => {
    const planned = plan({ known: [DB, MAIL, CACHE], without: ['db'] });
    assert.deepEqual(planned.release?.inputs, ['migrations']);
  });

  test('a stand-in the project does not have (as in an earlier step) is simply not planned', () => {
    const planned = plan({ known: [MAIL] });
    assert.deepEqual(planned.standIns, ['mail']);
    assert.equal(planned.env.DB_URL, undefined);
  });
});

describe('what stops the launch plan', () => {
  test('a Procfile that does not parse, with every bad line', () => {
    const stop = problem({ procfile: 'web node\nworker:' });
    assert.equal(
      stop.problem,
      'cannot read the Procfile:\n' +
        'line 1: expected "name: command", got "web node"\n' +
        'line 2: process type "worker" has no command',
    );
    assert.deepEqual(stop.names, []);
  });

  test('a Procfile with nothing to run besides release', () => {
    const stop = problem({ procfile: 'release: node dist/src/migrate.js' });
    assert.equal(stop.problem, 'the Procfile has no process type to run besides release');
    assert.deepEqual(stop.names, ['release', 'router']);
  });

  test('a process type the Procfile lacks, or release, named on the command line', () => {
    assert.match(problem({ names: ['clock'] }).problem, /^no process type "clock" in the Procfile/);
    assert.match(problem({ names: ['release'] }).problem, /^release runs once before the others/);
  });

  test('--scale of a type this run does not start', () => {
    assert.equal(
      problem({ names: ['worker'], scale: { web: 2 } }).problem,
      '--scale names web, which this run does not start: worker',
    );
  });

  test('--without a stand-in that does not exist, listing those that do', () => {
    assert.equal(
      problem({ known: [DB, MAIL], without: ['redis'] }).problem,
      '--without redis: no such stand-in (there are db, mail)',
    );
    assert.equal(
      problem({ without: ['redis'] }).problem,
      '--without redis: no such stand-in (there are none)',
    );
  });

  test('a PORT web cannot listen on, after the lines said so far', () => {
    const stop = problem({ known: [DB], without: ['db'], dotenv: { PORT: '70000' } });
    assert.equal(stop.problem, 'PORT must be a whole number from 1 to 65535 (got "70000")');
    assert.deepEqual(stop.notes, [
      'db: not started (--without db), so DB_URL stays unset',
      '.env loaded',
    ]);
  });
});

describe('the plan carried out', () => {
  test('each instance gets the plan’s environment, the stand-ins’ variables, its DYNO, and PORT only for web', () => {
    const planned = plan({ env: { PORT: '4300', DB_URL: 'postgres://mine' } });
    const [web, worker] = planned.instances;
    assert.ok(web && worker);
    const attached = { MAIL_URL: 'smtp://127.0.0.1:2525' };
    const webEnv = instanceEnv(planned, attached, { ...web, port: 4300 });
    assert.equal(webEnv.PORT, '4300');
    assert.equal(webEnv.DYNO, 'web.1');
    assert.equal(webEnv.MAIL_URL, 'smtp://127.0.0.1:2525');
    assert.equal(webEnv.DB_URL, 'postgres://mine');
    const { port: _free, ...placed } = worker;
    const workerEnv = instanceEnv(planned, attached, placed);
    assert.equal(workerEnv.PORT, undefined);
    assert.equal(workerEnv.DYNO, 'worker.1');
  });

  test('the banner lists the router, each process with its address, and the stand-ins', () => {
    const planned = plan({ procfile: 'web: node dist/src/server.js', scale: { web: 2 } });
    const placed = planned.instances.map((instance, i) => ({ ...instance, port: 5001 + i }));
    const stand = {
      name: 'db',
      envVar: 'DB_URL',
      url: 'postgres://127.0.0.1:5433/db',
      info: 'data in .data/',
    };
    assert.deepEqual(launchBanner(planned, placed, [stand]), [
      'router  http://localhost:3000  (to web.1, web.2 in turn)',
      'web.1   http://localhost:5001  (node --watch src/server.ts)',
      'web.2   http://localhost:5002  (node --watch src/server.ts)',
      'db      postgres://127.0.0.1:5433/db  (DB_URL; data in .data/)',
      'Ctrl-C stops everything.',
    ]);
  });

  test('the banner of one web and a worker shows web’s address and the worker’s command', () => {
    const planned = plan();
    const placed = planned.instances.map(({ port, ...instance }) =>
      port === 'free' || port === undefined ? instance : { ...instance, port },
    );
    assert.deepEqual(launchBanner(planned, placed, []), [
      'web     http://localhost:3000  (node --watch src/server.ts)',
      'worker  node --watch src/worker.ts',
      'Ctrl-C stops everything.',
    ]);
  });
});
