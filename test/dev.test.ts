// The dev launcher (npm run dev): Procfile, command mapping, environment, stand-ins, and real runs.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import pg from 'pg';
import { bannerLines } from '../scripts/dev/banner.ts';
import { devArgv, devCommand, toArgv } from '../scripts/dev/command.ts';
import { assembleEnv, processEnv, readDotenv, webPort } from '../scripts/dev/env.ts';
import { MINIMUM_NODE_MAJOR, nodeVersionProblem } from '../scripts/dev/node-version.ts';
import { createOutput } from '../scripts/dev/output.ts';
import { parseProcfile, ProcfileError } from '../scripts/dev/procfile.ts';
import { createPostgresStandIn, postgres } from '../scripts/dev/services/postgres.ts';
import { accepts } from '../scripts/dev/shared-server.ts';
import {
  dataDirOf,
  standInEnv,
  standInsNeeded,
  startStandIns,
  StandInError,
  stopStandIns,
  type StandIn,
  type StartedStandIn,
} from '../scripts/dev/stand-ins.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const ESC = '\u001b';

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

/** Runs `sql` through a fresh pg client on `url`, and returns the rows. */
async function query(url: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query<Record<string, unknown>>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** The pid of a process that has already exited. */
function deadPid(): number {
  const pid = spawnSync(process.execPath, ['-e', '']).pid;
  assert.ok(pid !== undefined && pid > 0);
  return pid;
}

const POSTGRES_URL = /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/;

describe('postgres stand-in', { timeout: 60_000 }, () => {
  let dataDir = '';
  let context = { root, dataDir, env: {} };
  let stateFile = '';
  const started: StartedStandIn[] = [];
  const start = async (standIn = postgres) => {
    const server = await standIn.start(context);
    started.push(server);
    return server;
  };
  const state = () => JSON.parse(readFileSync(stateFile, 'utf8')) as Record<string, unknown>;

  before(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'dev-postgres-'));
    context = { root, dataDir, env: {} };
    stateFile = path.join(dataDir, 'postgres.json');
  });

  after(async () => {
    // Stop is idempotent, so a server that a test already stopped is no trouble here.
    for (const server of started.reverse()) await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test(
    'serves PGlite with its data in <dataDir>/postgres, to a pg client',
    { timeout: 20_000 },
    async () => {
      const first = await start();
      assert.match(first.url, POSTGRES_URL);
      assert.match(first.info ?? '', /^PGlite, data in .*postgres: delete it to start afresh$/);
      assert.ok(existsSync(path.join(dataDir, 'postgres')), 'the data folder');
      assert.deepEqual(state(), {
        pid: process.pid,
        port: Number(new URL(first.url).port),
        url: first.url,
      });

      await query(first.url, 'CREATE TABLE notes (id serial PRIMARY KEY, text text NOT NULL)');
      await query(first.url, "INSERT INTO notes (text) VALUES ('kept')");
      assert.deepEqual(await query(first.url, 'SELECT id, text FROM notes'), [
        { id: 1, text: 'kept' },
      ]);
    },
  );

  test(
    'a second start on the same data reuses that server, and its stop leaves it running',
    { timeout: 20_000 },
    async () => {
      const [first] = started;
      assert.ok(first, 'the server of the test before');
      const second = await start();
      assert.equal(second.url, first.url);
      assert.match(second.info ?? '', new RegExp(`^PGlite shared with process ${process.pid}, `));
      await second.stop();
      assert.deepEqual(await query(first.url, 'SELECT text FROM notes'), [{ text: 'kept' }]);
      assert.equal(state().url, first.url, 'the state file stays');

      await first.stop();
      assert.ok(!existsSync(stateFile), 'the owner removes the state file');
      assert.equal(await accepts(first.url, Number(new URL(first.url).port)), false);
    },
  );

  test(
    'a state file of a process that has died is replaced, and the data is still there',
    { timeout: 20_000 },
    async () => {
      const port = await freePort();
      const stale = { pid: deadPid(), port, url: `postgres://postgres@127.0.0.1:${port}/postgres` };
      writeFileSync(stateFile, JSON.stringify(stale));
      const server = await start();
      assert.notEqual(server.url, stale.url);
      assert.equal(state().pid, process.pid);
      assert.deepEqual(await query(server.url, 'SELECT text FROM notes'), [{ text: 'kept' }]);
      await server.stop();
      assert.ok(!existsSync(stateFile));
    },
  );

  test(
    'a live process that does not answer is left alone, with what to do',
    { timeout: 20_000 },
    async () => {
      const port = await freePort();
      const text = JSON.stringify({
        pid: process.pid,
        port,
        url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      });
      writeFileSync(stateFile, text);
      try {
        await assert.rejects(start(createPostgresStandIn({ waitMs: 300 })), (err: Error) => {
          assert.match(err.message, new RegExp(`process ${process.pid} serves this data`));
          assert.match(err.message, /delete .*postgres\.json and try again/);
          return true;
        });
        assert.equal(readFileSync(stateFile, 'utf8'), text, 'not replaced');
      } finally {
        rmSync(stateFile, { force: true });
      }
    },
  );
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
  test('an older Node gets told how to install the one that package.json requires', () => {
    const message = nodeVersionProblem('20.19.0');
    assert.match(message ?? '', /needs Node\.js 24 or newer; this is Node\.js 20\.19\.0/);
    assert.match(message ?? '', /nvm install 24/);
    assert.equal(nodeVersionProblem('24.0.0'), undefined);
    assert.equal(nodeVersionProblem('25.1.0'), undefined);
  });

  test('the minimum is the major version of package.json engines', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    assert.equal(pkg.engines.node, `${MINIMUM_NODE_MAJOR}.x`);
  });
});

// The end-to-end runs: each launcher gets a marker in its environment, which every process it starts
// inherits, so the test can tell whether any of them outlived the launcher.
interface Launcher {
  child: ChildProcess;
  marker: string;
  /** Its DEV_DATA_DIR: a temporary folder of its own unless the test gave one. */
  dataDir: string;
  output(): string;
  stdout(): string;
  exited: Promise<number | null>;
}

const launchers: Launcher[] = [];
const temporaryDirs: string[] = [];

/**
 * Spawns scripts/dev.ts with `args` in `cwd`. DEV_DATA_DIR is a fresh temporary folder unless `env` sets
 * it, so that no test reads or writes the developer's .data/ (a .env there could not change that either:
 * the real environment wins over .env).
 */
function runLauncher(cwd: string, env: Record<string, string>, args: string[] = []): Launcher {
  const marker = randomUUID();
  let dataDir = env.DEV_DATA_DIR;
  if (dataDir === undefined) {
    dataDir = mkdtempSync(path.join(tmpdir(), 'dev-data-'));
    temporaryDirs.push(dataDir);
  }
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    ...env,
    DEV_DATA_DIR: dataDir,
    DEV_TEST_MARKER: marker,
  };
  delete childEnv.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, [path.join(root, 'scripts/dev.ts'), ...args], {
    cwd,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // 'close' comes after the output has ended, so that no line is missing when a test looks at it.
  const exited = once(child, 'close').then(([code]) => code as number | null);
  const launcher = { child, marker, dataDir, output: () => output, stdout: () => stdout, exited };
  launchers.push(launcher);
  return launcher;
}

/** The pids of live processes that carry `marker` in their environment (Linux only: /proc). */
function processesWithMarker(marker: string): number[] {
  if (!existsSync('/proc/self/environ')) return [];
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(`DEV_TEST_MARKER=${marker}`)) {
        pids.push(Number(entry));
      }
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return pids;
}

after(() => {
  // Whatever a failed test left running is killed, so the suite can never hang on it.
  for (const { child, marker } of launchers) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const pid of processesWithMarker(marker)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  for (const dir of temporaryDirs) rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer().listen(0);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function within<T>(promise: Promise<T>, ms: number, what: string, launcher: Launcher) {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: not within ${ms} ms. Output:\n${launcher.output()}`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function until(condition: () => Promise<boolean> | boolean, what: string, l: Launcher) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (l.child.exitCode !== null) throw new Error(`launcher exited early:\n${l.output()}`);
    if (await condition()) return;
    await sleep(50);
  }
  throw new Error(`${what}: not within 15 s. Output:\n${l.output()}`);
}

const STAND_IN_LINE =
  /^dev +\| postgres +postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres {2}\(DATABASE_URL; PGlite, data in .*postgres: delete it to start afresh\)$/m;

describe('npm run dev', { timeout: 90_000 }, () => {
  test(
    'serves the app on PORT, reports its start time, and Ctrl-C stops every process with 0',
    { timeout: 30_000 },
    async () => {
      const port = await freePort();
      const name = `Dev Launcher Test ${port}`;
      // Set here so that a developer's .env (which the launcher reads) cannot change the outcome; the empty
      // DATABASE_URL calls for the stand-in, whatever the repository's Procfile runs before web.
      const launcher = runLauncher(root, {
        PORT: String(port),
        CAMPAIGN_NAME: name,
        NODE_ENV: 'development',
        LOG_LEVEL: 'info',
        DATABASE_URL: '',
      });
      const url = `http://localhost:${port}/`;

      let page = '';
      await until(
        async () => {
          const res = await fetch(url).catch(() => undefined);
          if (res?.status !== 200) return false;
          page = await res.text();
          return true;
        },
        'the landing page',
        launcher,
      );
      assert.match(page, new RegExp(`<h1>${name}</h1>`));
      await until(() => /^dev +\| ready in \d+ ms/m.test(launcher.output()), 'ready', launcher);
      assert.match(launcher.output(), new RegExp(`^dev +\\| web +http://localhost:${port} `, 'm'));
      assert.match(launcher.output(), STAND_IN_LINE);
      assert.match(launcher.output(), /^web +\| .*listening on/m, 'web output is prefixed');
      const lines = launcher.output().split('\n');
      assert.ok(!lines.some((line) => line.startsWith(ESC)), 'no colour on a pipe');

      launcher.child.kill('SIGINT');
      const code = await within(launcher.exited, 15_000, 'exit after SIGINT', launcher);
      assert.equal(code, 0, launcher.output());
      await assert.rejects(fetch(url), 'nothing answers on the port any more');
      assert.deepEqual(
        processesWithMarker(launcher.marker),
        [],
        'no process outlives the launcher',
      );
      assert.ok(
        !existsSync(path.join(launcher.dataDir, 'postgres.json')),
        'the state file is gone',
      );
    },
  );

  test(
    'the release phase and the processes share the stand-in database, which stops with the launcher',
    { timeout: 30_000 },
    async () => {
      const launcher = runLauncher(path.join(root, 'test/fixtures/dev/postgres'), {
        DATABASE_URL: '',
      });
      await until(
        () => /^worker +\| visits=1$/m.test(launcher.output()),
        'the worker reading what the release phase wrote',
        launcher,
      );
      assert.match(launcher.output(), /^release +\| migrated$/m);
      assert.match(launcher.output(), STAND_IN_LINE);
      const stateFile = path.join(launcher.dataDir, 'postgres.json');
      const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { pid: number };
      assert.equal(state.pid, launcher.child.pid, 'the launcher serves it');

      launcher.child.kill('SIGINT');
      const code = await within(launcher.exited, 15_000, 'exit after SIGINT', launcher);
      assert.equal(code, 0, launcher.output());
      assert.ok(!existsSync(stateFile), 'the state file is gone');
      assert.ok(existsSync(path.join(launcher.dataDir, 'postgres')), 'the data stays');
      assert.deepEqual(processesWithMarker(launcher.marker), []);
    },
  );

  test(
    'a failing release phase stops the launch with 1 before any process starts',
    { timeout: 30_000 },
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

describe('node scripts/dev.ts run', { timeout: 60_000 }, () => {
  const fixture = path.join(root, 'test/fixtures/dev/run');
  const EXIT_WITH_URL = 'process.exit(process.env.DATABASE_URL ? 3 : 4)';

  test(
    'gives the command the stand-in DATABASE_URL, exits with its code and stops the stand-in',
    { timeout: 20_000 },
    async () => {
      const launcher = runLauncher(fixture, { DATABASE_URL: '' }, [
        'run',
        'node',
        '-e',
        EXIT_WITH_URL,
      ]);
      const code = await within(launcher.exited, 15_000, 'exit of run', launcher);
      assert.equal(code, 3, launcher.output());
      assert.match(launcher.output(), STAND_IN_LINE);
      assert.ok(
        !existsSync(path.join(launcher.dataDir, 'postgres.json')),
        'the state file is gone',
      );
      assert.deepEqual(processesWithMarker(launcher.marker), []);
    },
  );

  test('starts nothing for a DATABASE_URL that is set', { timeout: 20_000 }, async () => {
    const env = { DATABASE_URL: 'postgres://mine@127.0.0.1:1/mine' };
    const launcher = runLauncher(fixture, env, ['run', 'node', '-e', EXIT_WITH_URL]);
    const code = await within(launcher.exited, 15_000, 'exit of run', launcher);
    assert.equal(code, 3, launcher.output());
    assert.doesNotMatch(launcher.output(), /postgres +postgres:/);
    assert.ok(!existsSync(path.join(launcher.dataDir, 'postgres')), 'no PGlite data folder');
  });

  test(
    'runs dist/X.js as X.ts, output unprefixed, on the server another launcher started',
    { timeout: 20_000 },
    async () => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'dev-run-'));
      const owner = await postgres.start({ root, dataDir, env: {} });
      try {
        const launcher = runLauncher(fixture, { DATABASE_URL: '', DEV_DATA_DIR: dataDir }, [
          'run',
          'node',
          'dist/print.js',
          'a',
          'b c',
        ]);
        const code = await within(launcher.exited, 15_000, 'exit of run', launcher);
        assert.equal(code, 5, launcher.output());
        assert.equal(launcher.stdout(), `args=a b c\nDATABASE_URL=${owner.url}\n`);
        assert.match(launcher.output(), /^dev +\| run +node print\.ts a 'b c'$/m);
        assert.match(launcher.output(), new RegExp(`PGlite shared with process ${process.pid}, `));
        const state = JSON.parse(readFileSync(path.join(dataDir, 'postgres.json'), 'utf8')) as {
          pid: number;
        };
        assert.equal(state.pid, process.pid, 'the owner keeps its server and state file');
      } finally {
        await owner.stop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  );

  test('without a command, says how to use it', { timeout: 10_000 }, async () => {
    const launcher = runLauncher(fixture, {}, ['run']);
    const code = await within(launcher.exited, 5_000, 'exit of run', launcher);
    assert.equal(code, 1);
    assert.match(launcher.output(), /usage: node scripts\/dev\.ts run <command> \[args\.\.\.\]/);
  });
});
