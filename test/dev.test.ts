// The dev launcher (npm run dev): Procfile, command mapping, environment, stand-ins, and real runs.
// What needs Postgres (the postgres stand-in, and runs that start it) is in dev-postgres.test.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import {
  assembleEnv,
  bannerLines,
  createOutput,
  dataDirOf,
  devArgv,
  devCommand,
  parseProcfile,
  processEnv,
  ProcessTypeError,
  ProcfileError,
  readDotenv,
  selectProcessTypes,
  type StandIn,
  standInEnv,
  StandInError,
  standInsNeeded,
  startStandIns,
  stopStandIns,
  toArgv,
  webPort,
} from '../scripts/dev/index.ts';
import {
  ESC,
  freePort,
  processesWithMarker,
  root,
  type Launcher,
  runLauncher,
  until,
  within,
  pageFrom,
} from './support/dev.ts';

// Backing services of their own, so that a run starts no stand-in: quick, and the same at every step.
const OWN_URLS = {
  DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
  SMTP_URL: 'smtp://127.0.0.1:1',
  S3_ENDPOINT: 'http://127.0.0.1:1',
  REDIS_URL: 'redis://127.0.0.1:1',
};

describe('Procfile', () => {
  test('reads each process type with its line, skipping comments and blank lines', () => {
    const text =
      '# processes\n\nweb: node dist/src/server.js\r\n  # indented comment\nworker:node w.js  \n';
    assert.deepEqual(parseProcfile(text), [
      { name: 'web', command: 'node dist/src/server.js', line: 3 },
      { name: 'worker', command: 'node w.js', line: 5 },
    ]);
  });

  test('rejects every bad line, naming its line number', () => {
    const text = 'web: node a.js\nthis is not a process\n\nweb: node b.js\nworker:\nmy app: x\n';
    assert.throws(
      () => parseProcfile(text),
      (err: unknown) => {
        assert.ok(err instanceof ProcfileError);
        assert.deepEqual(err.problems, [
          'line 2: expected "name: command", got "this is not a process"',
          'line 4: process type "web" is already defined on line 1',
          'line 5: process type "worker" has no command',
          'line 6: expected "name: command", got "my app: x"',
        ]);
        return true;
      },
    );
  });

  test('names pick process types in Procfile order; none picks all but release', () => {
    const types = parseProcfile('release: r\nweb: w\nworker: k\nclock: c\n');
    const names = (picked: readonly string[]) =>
      selectProcessTypes(types, picked).map((t) => t.name);
    assert.deepEqual(names([]), ['web', 'worker', 'clock']);
    assert.deepEqual(names(['web']), ['web']);
    assert.deepEqual(names(['clock', 'web', 'clock']), ['web', 'clock']);
  });

  test('an unknown name, or release, is refused with the process types there are', () => {
    const types = parseProcfile('release: r\nweb: w\nworker: k\n');
    const refusal = (names: readonly string[]) => {
      try {
        selectProcessTypes(types, names);
      } catch (err) {
        assert.ok(err instanceof ProcessTypeError);
        return err.message;
      }
      assert.fail(`${names.join(' ')} was accepted`);
    };
    assert.equal(refusal(['wrker']), 'no process type "wrker" in the Procfile: it has web, worker');
    assert.equal(
      refusal(['web', 'a', 'b', 'a']),
      'no process types "a", "b" in the Procfile: it has web, worker',
    );
    for (const names of [['release'], ['web', 'release']]) {
      assert.equal(
        refusal(names),
        'release runs once before the others; name the process types to run: web, worker',
      );
    }
    assert.throws(
      () => selectProcessTypes(parseProcfile('web: w\n'), ['release']),
      /^ProcessTypeError: no process type "release" in the Procfile: it has web$/,
    );
  });

  test('the repository Procfile has a web process', () => {
    const types = parseProcfile(readFileSync(path.join(root, 'Procfile'), 'utf8'));
    assert.ok(types.some((t) => t.name === 'web'));
  });
});

describe('command mapping', () => {
  test('a compiled dist/X.js runs as X.ts under --watch', () => {
    assert.equal(
      devCommand('node dist/src/server.js', { watch: true }),
      'node --watch src/server.ts',
    );
    assert.equal(
      devCommand('node --enable-source-maps ./dist/src/worker.js --queue mail', { watch: true }),
      'node --watch --enable-source-maps src/worker.ts --queue mail',
    );
  });

  test('without watch (the release phase) only the file changes', () => {
    assert.equal(
      devCommand('node dist/src/migrate.js up', { watch: false }),
      'node src/migrate.ts up',
    );
    assert.equal(
      devCommand('node --watch dist/src/server.js', { watch: true }),
      'node --watch src/server.ts',
    );
  });

  test('a preload from dist/ runs as its .ts source, before the script as in production', () => {
    assert.equal(
      devCommand(
        'node --import ./dist/src/telemetry.js --max-semi-space-size=16 dist/src/server.js',
        { watch: true },
      ),
      'node --watch --import ./src/telemetry.ts --max-semi-space-size=16 src/server.ts',
    );
    assert.equal(
      devCommand('node --import=./dist/src/telemetry.js dist/src/worker.js', { watch: false }),
      'node --import=./src/telemetry.ts src/worker.ts',
    );
    assert.equal(
      devCommand('node --import some-package dist/src/worker.js', { watch: false }),
      'node --import some-package src/worker.ts',
    );
    assert.deepEqual(devArgv(['node', '--import', './dist/src/telemetry.js', 'dist/src/job.js']), [
      'node',
      '--import',
      './src/telemetry.ts',
      'src/job.ts',
    ]);
    assert.deepEqual(devArgv(['node', '--import=./dist/src/telemetry.js', './dist/src/job.js']), [
      'node',
      '--import=./src/telemetry.ts',
      'src/job.ts',
    ]);
  });

  test('run maps a command given as words the same way, never adding --watch', () => {
    assert.deepEqual(devArgv(['node', 'dist/src/migrate.js', 'up']), [
      'node',
      'src/migrate.ts',
      'up',
    ]);
    assert.deepEqual(devArgv(['node', '--enable-source-maps', './dist/src/jobs.js', 'a b']), [
      'node',
      '--enable-source-maps',
      'src/jobs.ts',
      'a b',
    ]);
    for (const argv of [
      ['node', '-e', 'require("dist/x.js")'],
      ['npm', 'run', 'dist/x.js'],
      ['node', 'src/migrate.ts'],
      ['node'],
    ]) {
      assert.deepEqual(devArgv(argv), argv);
    }
  });

  test('other commands are left as they are', () => {
    for (const command of [
      'npm run worker',
      'bin/start dist/src/server.js',
      'node src/server.ts',
      'node dist/src/server.jsx',
      'nodemon dist/src/server.js',
    ]) {
      assert.equal(devCommand(command, { watch: true }), command);
    }
  });

  test('plain commands run without a shell, anything with shell syntax through one', () => {
    assert.deepEqual(toArgv(' node --watch  src/server.ts --x=1 '), [
      'node',
      '--watch',
      'src/server.ts',
      '--x=1',
    ]);
    for (const command of ['a && b', 'echo $HOME', 'FOO=1 node x.js', 'node -e "x"', 'a > log']) {
      assert.equal(toArgv(command), undefined, command);
    }
  });
});

describe('environment', () => {
  test('.env fills in but never overrides the real environment, even an empty variable', () => {
    const env = assembleEnv(
      { PORT: '4000', CAMPAIGN_NAME: '', HOME: '/home/me', UNSET: undefined },
      { PORT: '5000', CAMPAIGN_NAME: 'From file', LOG_LEVEL: 'debug', UNSET: 'from file' },
    );
    assert.equal(env.PORT, '4000');
    assert.equal(env.CAMPAIGN_NAME, '');
    assert.equal(env.LOG_LEVEL, 'debug');
    assert.equal(env.HOME, '/home/me');
    assert.equal(env.UNSET, 'from file');
  });

  test('development defaults apply only to what is unset or empty', () => {
    assert.deepEqual(assembleEnv({}, { LOG_FORMAT: '' }), {
      NODE_ENV: 'development',
      LOG_FORMAT: 'pretty',
    });
    const env = assembleEnv({ NODE_ENV: 'test' }, { LOG_FORMAT: 'json' });
    assert.equal(env.NODE_ENV, 'test');
    assert.equal(env.LOG_FORMAT, 'json');
  });

  test('reads a .env file the way process.loadEnvFile does, and a missing one as none', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dev-env-'));
    try {
      assert.equal(readDotenv(path.join(dir, '.env')), undefined);
      writeFileSync(
        path.join(dir, '.env'),
        '# comment\nCAMPAIGN_NAME="Spring # Sale"\nexport LOG_LEVEL=debug\nEMPTY=\n',
      );
      assert.deepEqual(readDotenv(path.join(dir, '.env')), {
        CAMPAIGN_NAME: 'Spring # Sale',
        LOG_LEVEL: 'debug',
        EMPTY: '',
      });
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test('web listens on PORT or 3000; a PORT that is not a port is refused', () => {
    assert.equal(webPort({}), 3000);
    assert.equal(webPort({ PORT: '' }), 3000);
    assert.equal(webPort({ PORT: '8080' }), 8080);
    for (const bad of ['http', '0', '70000', '30.5']) {
      assert.throws(() => webPort({ PORT: bad }), /PORT must be a whole number/);
    }
  });

  test('only web gets a port; every process gets the stand-ins', () => {
    const base = { PORT: '4000', NODE_ENV: 'development' };
    const attached = { DATABASE_URL: 'postgres://localhost:5499/dev' };
    assert.deepEqual(processEnv(base, attached, 4000), { ...base, ...attached, PORT: '4000' });
    assert.deepEqual(processEnv(base, attached, undefined), {
      NODE_ENV: 'development',
      ...attached,
    });
    assert.equal(base.PORT, '4000', 'the base is not changed');
  });
});

describe('stand-in services', () => {
  const events: string[] = [];
  const fake = (name: string, envVar: string, fail = false): StandIn => ({
    name,
    envVar,
    start() {
      events.push(`start ${name}`);
      if (fail) return Promise.reject(new Error('port taken'));
      return Promise.resolve({
        url: `${name}://localhost/${name}`,
        env: { [`${envVar}_EXTRA`]: name },
        stop() {
          events.push(`stop ${name}`);
          return Promise.resolve();
        },
      });
    },
  });
  const context = { root, dataDir: path.join(root, '.data'), env: {} };

  test('start only for variables that are not set, and hand over their URLs', async () => {
    events.length = 0;
    const registry = [fake('db', 'DATABASE_URL'), fake('mail', 'SMTP_URL')];
    const needed = standInsNeeded(registry, { DATABASE_URL: 'postgres://mine', SMTP_URL: '' });
    assert.deepEqual(
      needed.map((s) => s.name),
      ['mail'],
    );
    const running = await startStandIns(needed, context, () => {});
    assert.deepEqual(standInEnv(running), {
      SMTP_URL: 'mail://localhost/mail',
      SMTP_URL_EXTRA: 'mail',
    });
    await stopStandIns(running, () => {});
    assert.deepEqual(events, ['start mail', 'stop mail']);
  });

  test('do not start when an add-on’s own variables configure the service', () => {
    const mail = { ...fake('mail', 'SMTP_URL'), alsoSetBy: ['MAILGUN_SMTP_SERVER'] };
    assert.deepEqual(standInsNeeded([mail], { MAILGUN_SMTP_SERVER: 'smtp.example.com' }), []);
    assert.deepEqual(standInsNeeded([mail], { MAILGUN_SMTP_SERVER: '' }), [mail]);
  });

  test('keep their data in .data/, or in DEV_DATA_DIR (relative to the project) when set', () => {
    assert.equal(dataDirOf('/app', {}), path.resolve('/app/.data'));
    assert.equal(dataDirOf('/app', { DEV_DATA_DIR: '' }), path.resolve('/app/.data'));
    assert.equal(dataDirOf('/app', { DEV_DATA_DIR: 'tmp/data' }), path.resolve('/app/tmp/data'));
    assert.equal(dataDirOf('/app', { DEV_DATA_DIR: '/var/dev' }), path.resolve('/var/dev'));
  });

  test('one that fails stops the others and names its variable', async () => {
    events.length = 0;
    const registry = [fake('db', 'DATABASE_URL'), fake('mail', 'SMTP_URL', true)];
    await assert.rejects(
      startStandIns(registry, context, () => {}),
      (err: unknown) => {
        assert.ok(err instanceof StandInError);
        assert.match(err.message, /mail \(for SMTP_URL\) did not start: port taken/);
        assert.match(err.message, /Set SMTP_URL in \.env/);
        return true;
      },
    );
    assert.deepEqual(events, ['start db', 'start mail', 'stop db']);
  });
});

describe('output', () => {
  test('prefixes each line with a padded name, in colour only when asked', () => {
    let plain = '';
    const out = createOutput({
      names: ['web', 'worker'],
      colour: false,
      write: (s) => (plain += s),
    });
    out.line('web', 'one\ntwo');
    out.say('ready');
    assert.equal(plain, 'web    | one\nweb    | two\ndev    | ready\n');

    let coloured = '';
    createOutput({ names: ['web'], colour: true, write: (s) => (coloured += s) }).line('web', 'x');
    assert.ok(coloured.startsWith(`${ESC}[`), JSON.stringify(coloured));
    assert.equal(stripVTControlCharacters(coloured), 'web | x\n');
  });

  test('the banner says what runs where', () => {
    assert.deepEqual(
      bannerLines(
        [
          { name: 'web', command: 'node --watch src/server.ts', url: 'http://localhost:3000' },
          { name: 'worker', command: 'node --watch src/worker.ts' },
        ],
        [{ name: 'postgres', envVar: 'DATABASE_URL', url: 'postgres://x', info: 'PGlite' }],
      ),
      [
        'web       http://localhost:3000  (node --watch src/server.ts)',
        'worker    node --watch src/worker.ts',
        'postgres  postgres://x  (DATABASE_URL; PGlite)',
        'Ctrl-C stops everything.',
      ],
    );
  });
});

describe('Node version check', () => {
  // Makes this Node say it is `version`, in every node process started with this environment.
  const olderNode = (version: string) => ({
    NODE_OPTIONS: `--import=data:text/javascript,Object.defineProperty(process.versions,'node',{value:'${version}'})`,
  });
  /** The environment without what npm sets for the script that runs the tests. */
  const outsideNpm = (extra: Record<string, string>) =>
    Object.fromEntries([
      ...Object.entries(process.env).filter(([name]) => !name.startsWith('npm_')),
      ...Object.entries(extra),
    ]);
  /** Runs scripts/check-node.js by itself, as if this Node were `version`. */
  const check = (version: string) =>
    spawnSync(process.execPath, [path.join(root, 'scripts/check-node.js')], {
      encoding: 'utf8',
      env: outsideNpm(olderNode(version)),
    });

  test('an older Node stops with one line: what is needed, and a command that gets it', () => {
    const old = check('20.19.0');
    assert.equal(old.status, 1);
    const lines = old.stderr.trim().split('\n');
    assert.equal(lines.length, 1, old.stderr);
    assert.match(lines[0]!, /needs Node\.js 24 .*this is Node\.js 20\.19\.0/);
    assert.match(lines[0]!, /npx -y -p node@24 -c 'npm install && npm run dev'/);
    assert.equal(check('24.0.0').status, 0);
    assert.equal(check('25.1.0').status, 0);
  });

  test('every npm script checks first', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    for (const [name, script] of Object.entries(pkg.scripts)) {
      assert.match(script, /^node scripts\/check-node\.js && /, name);
    }
  });

  test(
    'an npm script on an older Node stops with one line giving the same command on Node 24',
    { timeout: 60_000 },
    () => {
      // typecheck is in every step; were the check to let it through, tsc would run and pass.
      const run = spawnSync('npm', ['run', '--silent', 'typecheck', '--', '--pretty', 'false'], {
        cwd: root,
        encoding: 'utf8',
        env: outsideNpm(olderNode('20.19.0')),
        timeout: 25_000,
      });
      assert.equal(run.status, 1, run.stdout + run.stderr);
      const lines = run.stderr.trim().split('\n');
      assert.equal(lines.length, 1, run.stderr);
      // Linux shows the arguments npm passed on; elsewhere the line has the command without them.
      const command = existsSync('/proc/self/cmdline')
        ? 'npm run typecheck -- --pretty false'
        : 'npm run typecheck';
      assert.ok(lines[0]!.includes(`npx -y -p node@24 -c '${command}'`), lines[0]);
    },
  );
});

describe('npm run dev', { timeout: 90_000 }, () => {
  test(
    'serves web on PORT with the environment, reports its start time, and Ctrl-C stops every process with 0',
    { timeout: 60_000 },
    async () => {
      const port = await freePort();
      const name = `Dev Launcher Test ${port}`;
      // A Procfile with web alone, so that the run is the same whatever the stand-ins and the app need.
      const launcher = runLauncher(path.join(root, 'test/fixtures/dev/web'), {
        PORT: String(port),
        CAMPAIGN_NAME: name,
        NODE_ENV: 'development',
      });
      const url = `http://localhost:${port}/`;

      const page = await pageFrom(url, launcher, 'the page');
      assert.match(page, new RegExp(`<h1>${name}</h1>`));
      await until(() => /^dev +\| ready in \d+ ms/m.test(launcher.output()), 'ready', launcher);
      assert.match(
        launcher.output(),
        new RegExp(
          `^dev +\\| web +http://localhost:${port} {2}\\(node --watch server\\.ts\\)$`,
          'm',
        ),
      );
      assert.match(launcher.output(), /^web +\| listening on/m, 'web output is prefixed');
      const lines = launcher.output().split('\n');
      assert.ok(!lines.some((line) => line.startsWith(ESC)), 'no colour on a pipe');

      launcher.child.kill('SIGINT');
      const code = await within(launcher.exited, 15_000, 'exit after SIGINT', launcher);
      assert.equal(code, 0, launcher.output());
      assert.match(launcher.output(), /^dev +\| SIGINT: stopping everything$/m);
      await assert.rejects(fetch(url), 'nothing answers on the port any more');
      assert.deepEqual(
        processesWithMarker(launcher.marker),
        [],
        'no process outlives the launcher',
      );
    },
  );

  test(
    'a .env in the project reaches no launcher that a test starts, and reaches one without DEV_SKIP_DOTENV',
    { timeout: 40_000 },
    async () => {
      // A copy of the web fixture with a developer's .env in it, so that none is ever left in the repository.
      const project = mkdtempSync(path.join(tmpdir(), 'dev-dotenv-'));
      cpSync(path.join(root, 'test/fixtures/dev/web'), project, { recursive: true });
      writeFileSync(
        path.join(project, '.env'),
        'PORT=1\nDATABASE_URL=postgres://nowhere.invalid/x\nCAMPAIGN_NAME=From a .env\n',
      );
      const page = async (env: Record<string, string>) => {
        const port = await freePort();
        const launcher = runLauncher(project, { ...OWN_URLS, ...env, PORT: String(port) });
        const text = await pageFrom(`http://localhost:${port}/`, launcher, 'the page');
        launcher.child.kill('SIGINT');
        assert.equal(await within(launcher.exited, 15_000, 'exit', launcher), 0, launcher.output());
        return { text, output: launcher.output() };
      };
      try {
        const asTests = await page({});
        assert.equal(asTests.text, '<h1></h1>\n');
        assert.match(asTests.output, /^dev +\| \.env not read \(DEV_SKIP_DOTENV=1\)$/m);
        // The same project, as a developer runs it: the .env is read, so the run above proves something.
        const asDeveloper = await page({ DEV_SKIP_DOTENV: '' });
        assert.equal(asDeveloper.text, '<h1>From a .env</h1>\n');
        assert.match(asDeveloper.output, /^dev +\| \.env loaded$/m);
      } finally {
        rmSync(project, { recursive: true, force: true });
      }
    },
  );

  test(
    'a failing release phase stops the launch with 1 before any process starts',
    { timeout: 60_000 },
    async () => {
      const launcher = runLauncher(path.join(root, 'test/fixtures/dev/release-fails'), {
        PORT: '4999',
        NODE_ENV: '',
        // Set, so that no stand-in starts: this release phase never connects.
        DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      });
      const code = await within(launcher.exited, 15_000, 'exit after the release', launcher);
      const output = launcher.output();
      assert.equal(code, 1, output);
      assert.match(output, /^dev +\| release phase: node release\.ts --step 1$/m);
      assert.match(output, /^release +\| args=--step 1$/m);
      assert.match(output, /^release +\| NODE_ENV=development PORT=unset$/m);
      assert.match(output, /^release +\| migration failed: relation "users" already exists$/m);
      assert.match(output, /release exited with code 3, so nothing else was started/);
      assert.doesNotMatch(output, /worker started/);
      assert.deepEqual(processesWithMarker(launcher.marker), []);
    },
  );
});

describe('npm run dev -- <process type>...', { timeout: 60_000 }, () => {
  const fixture = path.join(root, 'test/fixtures/dev/web-worker');
  // URLs of their own, so that no stand-in starts: the runs are quick and the same at every step.
  const env = (port: number) => ({ ...OWN_URLS, PORT: String(port), NODE_ENV: 'development' });
  /** Ctrl-C, then the exit code and the output once the launcher and all it started are gone. */
  const stop = async (launcher: Launcher) => {
    launcher.child.kill('SIGINT');
    const code = await within(launcher.exited, 15_000, 'exit after SIGINT', launcher);
    assert.deepEqual(processesWithMarker(launcher.marker), [], 'no process outlives the launcher');
    return { code, output: launcher.output() };
  };

  test('naming web starts web alone', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const launcher = runLauncher(fixture, env(port), ['web']);
    await until(() => /^dev +\| ready in \d+ ms/m.test(launcher.output()), 'ready', launcher);
    const { code, output } = await stop(launcher);
    assert.equal(code, 0, output);
    assert.match(output, new RegExp(`^dev +\\| web +http://localhost:${port} `, 'm'));
    assert.match(output, /^dev +\| left out: worker \(/m);
    assert.doesNotMatch(output, /^dev +\| worker /m, 'no worker in the banner');
    assert.doesNotMatch(output, /^worker +\|/m, 'no worker output');
  });

  test('without names, every process type starts', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const launcher = runLauncher(fixture, env(port));
    await until(
      () => /^worker +\| worker started$/m.test(launcher.output()),
      'the worker',
      launcher,
    );
    await until(() => /^dev +\| ready in \d+ ms/m.test(launcher.output()), 'ready', launcher);
    const { code, output } = await stop(launcher);
    assert.equal(code, 0, output);
    assert.match(output, new RegExp(`^dev +\\| web +http://localhost:${port} `, 'm'));
    assert.match(output, /^dev +\| worker +node --watch worker\.ts$/m);
    assert.doesNotMatch(output, /left out/);
  });

  test(
    '--scale web=2 puts web.1 and web.2 behind PORT, taking requests in turn as dynos',
    { timeout: 60_000 },
    async () => {
      const port = await freePort();
      const launcher = runLauncher(fixture, env(port), ['web', '--scale', 'web=2']);
      await until(() => /^dev +\| ready in \d+ ms/m.test(launcher.output()), 'ready', launcher);
      const answers: string[] = [];
      for (let i = 0; i < 4; i++) {
        answers.push(await (await fetch(`http://127.0.0.1:${port}/`)).text());
      }
      const first = answers[0]?.startsWith('web web.1') ? 1 : 2;
      const other = 3 - first;
      const from = 'for 127.0.0.1\n';
      assert.deepEqual(
        answers,
        [first, other, first, other].map((n) => `web web.${n} ${from}`),
      );
      const { code, output } = await stop(launcher);
      assert.equal(code, 0, output);
      assert.match(
        output,
        new RegExp(
          `^dev +\\| router +http://localhost:${port} +\\(to web\\.1, web\\.2 in turn\\)$`,
          'm',
        ),
      );
      assert.match(output, /^web\.1 +\| web listening$/m);
      assert.match(output, /^web\.2 +\| web listening$/m);
    },
  );

  test(
    '--scale of a type this run leaves out, or a bad count, stops with 1',
    { timeout: 10_000 },
    async () => {
      for (const [args, message] of [
        [
          ['web', '--scale', 'worker=2'],
          /--scale names worker, which this run does not start: web/,
        ],
        [['--scale', 'web=0'], /--scale takes type=count with a count from 1 to 8/],
        [['--without', 'nothing-like-it'], /--without nothing-like-it: no such stand-in/],
      ] as const) {
        const launcher = runLauncher(fixture, {}, [...args]);
        assert.equal(await within(launcher.exited, 5_000, 'exit', launcher), 1);
        assert.match(launcher.output(), message);
      }
    },
  );

  test(
    'an unknown name, or release, stops with 1 before anything starts',
    { timeout: 10_000 },
    async () => {
      const unknown = runLauncher(fixture, {}, ['web', 'wrker']);
      // The release-fails fixture: had its release phase run, it would say so.
      const release = runLauncher(path.join(root, 'test/fixtures/dev/release-fails'), {}, [
        'release',
      ]);
      for (const [launcher, message] of [
        [unknown, 'no process type "wrker" in the Procfile: it has web, worker'],
        [release, 'release runs once before the others; name the process types to run: worker'],
      ] as const) {
        const code = await within(launcher.exited, 5_000, 'exit', launcher);
        const output = launcher.output();
        assert.equal(code, 1, output);
        assert.equal(output.replace(/^dev +\| /, ''), `${message}\n`, 'that line alone');
      }
    },
  );

  test('an option gets the usage; --help is not an error', { timeout: 10_000 }, async () => {
    const wrong = runLauncher(fixture, {}, ['--wrong']);
    const help = runLauncher(fixture, {}, ['--help']);
    assert.equal(await within(wrong.exited, 5_000, 'exit', wrong), 1);
    assert.equal(await within(help.exited, 5_000, 'exit', help), 0);
    assert.match(
      wrong.output(),
      /^unknown option "--wrong"\nusage: npm run dev \[-- <process type>\.\.\.\]/,
    );
    assert.match(help.stdout(), /^usage: npm run dev \[-- <process type>\.\.\.\]/);
    assert.match(help.stdout(), /node scripts\/dev\.ts run \[--only <stand-in>,\.\.\.\] <command>/);
  });
});

describe('node scripts/dev.ts run', { timeout: 60_000 }, () => {
  const fixture = path.join(root, 'test/fixtures/dev/run');

  test(
    'runs dist/X.js as X.ts, output unprefixed, says what it runs in two lines, and exits with its code',
    { timeout: 60_000 },
    async () => {
      // URLs of its own, so that no stand-in starts and the output is the same at every step.
      const databaseUrl = 'postgres://mine@127.0.0.1:1/mine';
      const launcher = runLauncher(fixture, { ...OWN_URLS, DATABASE_URL: databaseUrl }, [
        'run',
        'node',
        'dist/print.js',
        'a',
        'b c',
      ]);
      const code = await within(launcher.exited, 15_000, 'exit of run', launcher);
      assert.equal(code, 5, launcher.output());
      assert.equal(launcher.stdout(), `args=a b c\nDATABASE_URL=${databaseUrl}\n`);
      assert.equal(
        launcher.stderr(),
        `dev | .env not read (DEV_SKIP_DOTENV=1)\ndev | run node print.ts a 'b c'\n`,
      );
      assert.deepEqual(processesWithMarker(launcher.marker), []);
    },
  );

  test(
    'without a command, or with an unknown option, says how to use it',
    { timeout: 10_000 },
    async () => {
      for (const args of [['run'], ['run', '--quiet', 'node', 'x.ts'], ['run', '--only']]) {
        const launcher = runLauncher(fixture, {}, args);
        const code = await within(launcher.exited, 5_000, 'exit of run', launcher);
        assert.equal(code, 1, launcher.output());
        assert.match(
          launcher.output(),
          /usage: node scripts\/dev\.ts run \[--only <stand-in>,\.\.\.\] <command> \[args\.\.\.\]/,
        );
      }
    },
  );
});

/**
 * The live redis-server serving `url`, one that a launcher started: redis-server writes its title
 * ("redis-server 127.0.0.1:<port>") over its environment, so that the launcher's marker cannot be read there.
 */
function redisServerAt(url: string): number[] {
  const port = new URL(url).port;
  // Never the machine's own Redis, whatever a banner said.
  if (port === '' || port === '6379') return [];
  const title = new RegExp(`127\\.0\\.0\\.1:${port}(\\s|\\0|$)`);
  const pids: number[] = [];
  for (const entry of existsSync('/proc/self') ? readdirSync('/proc') : []) {
    try {
      // A zombie (state Z) has exited; only its parent has not yet collected it.
      if (!/^\d+ \(redis-server\) [^Z]/.test(readFileSync(`/proc/${entry}/stat`, 'utf8'))) continue;
      if (title.test(readFileSync(`/proc/${entry}/cmdline`, 'utf8'))) pids.push(Number(entry));
    } catch {
      // Not a process, or gone meanwhile.
    }
  }
  return pids;
}

describe('what a launcher starts ends with it', { timeout: 90_000 }, () => {
  // Unset REDIS_URL calls for the one stand-in that runs as a process of its own (redis-server, from
  // step 5, where one is installed); the others are set, as they run inside the launcher anyway.
  const env = { ...OWN_URLS, REDIS_URL: '' };

  /** The command name of each process, for messages: "redis-server", "node". */
  const names = (pids: readonly number[]) =>
    pids.map((pid) => {
      try {
        return `${pid} ${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()}`;
      } catch {
        return `${pid} gone`;
      }
    });

  /** The live processes a launcher started: those with its marker, and its redis-server's. */
  const startedBy = (launcher: Launcher, redisUrl: string | undefined) => [
    ...processesWithMarker(launcher.marker),
    ...(redisUrl ? redisServerAt(redisUrl) : []),
  ];

  /** The folder of the redis-server at `url`: the one it runs in (--dir). */
  const redisFolders = (url: string | undefined) =>
    (url ? redisServerAt(url) : []).map((pid) => readlinkSync(`/proc/${pid}/cwd`));

  /** SIGKILL, which nothing can catch, then what is left of what it started after up to `ms`. */
  const killOutright = async (launcher: Launcher, redisUrl: string | undefined, ms: number) => {
    launcher.child.kill('SIGKILL');
    await within(launcher.exited, 5_000, 'exit after SIGKILL', launcher);
    const deadline = Date.now() + ms;
    let left = startedBy(launcher, redisUrl);
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      left = startedBy(launcher, redisUrl);
    }
    return names(left);
  };

  test(
    'npm run dev killed with SIGKILL: web, worker and redis-server are gone within 5 s',
    { skip: !existsSync('/proc/self/environ') && 'needs /proc', timeout: 40_000 },
    async () => {
      const port = await freePort();
      const launcher = runLauncher(path.join(root, 'test/fixtures/dev/web-worker'), {
        ...env,
        PORT: String(port),
      });
      await until(
        () =>
          /^dev +\| ready in/m.test(launcher.output()) && /worker started/.test(launcher.output()),
        'web and worker',
        launcher,
      );
      const redisUrl = /^dev +\| redis +(redis:\/\/\S+)/m.exec(launcher.output())?.[1];
      const started = names(startedBy(launcher, redisUrl));
      assert.ok(started.length >= 3, `the launcher, web and worker: ${started.join(', ')}`);
      if (redisUrl) {
        assert.ok(
          started.some((p) => p.endsWith(' redis-server')),
          started.join(', '),
        );
      }
      const folders = redisFolders(redisUrl);
      assert.deepEqual(await killOutright(launcher, redisUrl, 5_000), [], 'what is left');
      assert.deepEqual(folders.filter(existsSync), [], "redis-server's folder is gone too");
    },
  );

  test(
    'a run killed with SIGKILL: the command and redis-server are gone within 5 s',
    { skip: !existsSync('/proc/self/environ') && 'needs /proc', timeout: 40_000 },
    async () => {
      const launcher = runLauncher(path.join(root, 'test/fixtures/dev/run'), env, [
        'run',
        'node',
        '-e',
        'console.log(`running with ${process.env.REDIS_URL}`); setInterval(() => {}, 1000)',
      ]);
      await until(() => /^running with /m.test(launcher.stdout()), 'the command', launcher);
      const redisUrl = /^running with (redis:\/\/\S+)$/m.exec(launcher.stdout())?.[1];
      const started = names(startedBy(launcher, redisUrl));
      assert.ok(started.length >= 2, `the launcher and the command: ${started.join(', ')}`);
      if (redisUrl) {
        assert.ok(
          started.some((p) => p.endsWith(' redis-server')),
          started.join(', '),
        );
      }
      const folders = redisFolders(redisUrl);
      assert.deepEqual(await killOutright(launcher, redisUrl, 5_000), [], 'what is left');
      assert.deepEqual(folders.filter(existsSync), [], "redis-server's folder is gone too");
    },
  );
});

describe('a stand-in that fails while npm run dev runs', { timeout: 90_000 }, () => {
  const start = async () => {
    const launcher = runLauncher(path.join(root, 'test/fixtures/dev/web'), {
      ...OWN_URLS,
      REDIS_URL: '',
      PORT: String(await freePort()),
    });
    await until(() => /^dev +\| ready in/m.test(launcher.output()), 'ready', launcher);
    const url = /^dev +\| redis +(redis:\/\/\S+)/m.exec(launcher.output())?.[1];
    const [pid, ...others] = url ? redisServerAt(url) : [];
    assert.ok(url === undefined || (pid !== undefined && others.length === 0), launcher.output());
    return { launcher, pid, url };
  };
  /** No stack trace, and nothing that is not a prefixed line: the launcher's own output is lines it wrote. */
  const assertNoStack = (output: string) => {
    for (const line of output.trimEnd().split('\n')) {
      assert.match(line, /^(dev|web) +\| /, `a line of the launcher's own: ${line}`);
      assert.doesNotMatch(line, /^\S+ +\| +at /, `a stack trace: ${line}`);
    }
  };

  test(
    'a redis-server killed says so in one line, without a stack, and Ctrl-C still stops everything',
    { timeout: 40_000 },
    async (t) => {
      const { launcher, pid } = await start();
      if (pid === undefined) {
        launcher.child.kill('SIGINT');
        await launcher.exited;
        t.skip('no redis-server stand-in in this step, or none installed');
        return;
      }
      process.kill(pid, 'SIGKILL');
      await until(() => /^dev +\| redis stopped/m.test(launcher.output()), 'the line', launcher);
      launcher.child.kill('SIGINT');
      assert.equal(await within(launcher.exited, 15_000, 'exit', launcher), 0, launcher.output());
      assert.deepEqual(
        launcher
          .output()
          .split('\n')
          .filter((line) => line.includes('redis stopped'))
          .map((line) => line.replace(/^dev +\| /, '')),
        [
          'redis stopped: redis-server was killed by SIGKILL, so nothing answers at REDIS_URL any more. ' +
            'Stop npm run dev (Ctrl-C) and start it again to get a new one.',
        ],
      );
      assertNoStack(launcher.output());
    },
  );

  test(
    'a redis-server that hangs (SIGSTOP) does not keep Ctrl-C from stopping everything',
    { timeout: 40_000 },
    async (t) => {
      const { launcher, pid, url } = await start();
      if (pid === undefined || url === undefined) {
        launcher.child.kill('SIGINT');
        await launcher.exited;
        t.skip('no redis-server stand-in in this step, or none installed');
        return;
      }
      process.kill(pid, 'SIGSTOP');
      launcher.child.kill('SIGINT');
      assert.equal(await within(launcher.exited, 20_000, 'exit', launcher), 0, launcher.output());
      assert.match(launcher.output(), /^dev +\| stopped$/m);
      assert.deepEqual(redisServerAt(url), [], 'the redis-server is gone');
      assertNoStack(launcher.output());
    },
  );
});
