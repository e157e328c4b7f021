// The dev launcher with Postgres: the postgres stand-in (PGlite behind a socket), and real runs of
// npm run dev and `run` that start it or share it. The rest of the launcher is in dev.test.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import {
  accepts,
  createPostgresStandIn,
  postgres,
  type StartedStandIn,
} from '../scripts/dev/index.ts';
import {
  ESC,
  freePort,
  launcherEnv,
  processesWithMarker,
  root,
  runLauncher,
  until,
  within,
  pageFrom,
} from './support/dev.ts';

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
    { timeout: 60_000 },
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
    { timeout: 60_000 },
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
    { timeout: 60_000 },
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
    { timeout: 60_000 },
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

const STAND_IN_LINE =
  /^dev +\| postgres +postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres {2}\(DATABASE_URL; PGlite, data in .*postgres: delete it to start afresh\)$/m;

describe('npm run dev with the postgres stand-in', { timeout: 90_000 }, () => {
  test(
    'a database migrated on another branch stops the release with one line naming npm run db:reset, which fixes it',
    { timeout: 60_000 },
    async () => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'dev-foreign-'));
      const env = launcherEnv({ DEV_DATA_DIR: dataDir, DATABASE_URL: '' });
      const node = (args: string[]) =>
        spawnSync(process.execPath, args, { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
      const setUp = node([
        'scripts/dev.ts',
        'run',
        'node',
        'test/fixtures/dev/foreign-migration.ts',
      ]);
      assert.equal(setUp.status, 0, setUp.stderr + setUp.stdout);

      const port = String(await freePort());
      const blocked = runLauncher(root, { PORT: port, DATABASE_URL: '', DEV_DATA_DIR: dataDir }, [
        'web',
      ]);
      assert.equal(await within(blocked.exited, 30_000, 'the release to fail', blocked), 1);
      assert.match(blocked.output(), /20991231000000_from_another_branch/);
      assert.match(
        blocked.output(),
        /^dev +\| the local database was migrated by other code .*: run npm run db:reset, then npm run dev$/m,
      );

      const reset = node(['scripts/db-reset.ts']);
      assert.equal(reset.status, 0, reset.stderr);
      assert.match(reset.stdout, /^db:reset: emptied the local database/);

      const fresh = runLauncher(root, { PORT: port, DATABASE_URL: '', DEV_DATA_DIR: dataDir }, [
        'web',
      ]);
      await until(() => /^dev +\| ready in \d+ ms/m.test(fresh.output()), 'ready', fresh);
      const busy = node(['scripts/db-reset.ts']);
      assert.equal(busy.status, 1);
      assert.match(busy.stderr, /is serving the local database: stop it/);
      fresh.child.kill('SIGINT');
      assert.equal(await within(fresh.exited, 15_000, 'exit after SIGINT', fresh), 0);
      rmSync(dataDir, { recursive: true, force: true });
    },
  );

  test('db:reset leaves a DATABASE_URL of your own alone', () => {
    const reset = spawnSync(process.execPath, ['scripts/db-reset.ts'], {
      cwd: root,
      env: launcherEnv({ DATABASE_URL: 'postgres://me@127.0.0.1:5432/mine' }),
      encoding: 'utf8',
    });
    assert.equal(reset.status, 1);
    assert.match(reset.stderr, /DATABASE_URL is set .* empties nothing/);
  });

  test(
    'serves the app on PORT, reports its start time, and Ctrl-C stops every process with 0',
    { timeout: 60_000 },
    async () => {
      const port = await freePort();
      const name = `Dev Launcher Test ${port}`;
      // The empty DATABASE_URL calls for the stand-in, whatever the repository's Procfile runs before web.
      const launcher = runLauncher(root, {
        PORT: String(port),
        CAMPAIGN_NAME: name,
        NODE_ENV: 'development',
        LOG_LEVEL: 'info',
        DATABASE_URL: '',
      });
      const url = `http://localhost:${port}/`;

      const page = await pageFrom(url, launcher, 'the landing page');
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
    { timeout: 60_000 },
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
});

describe('npm run dev when migrations/ changes', { timeout: 120_000 }, () => {
  test(
    'a migration added runs the release again, then restarts web on the new schema; one that fails says so in one line and web runs on',
    { timeout: 90_000 },
    async () => {
      // A copy, so that the test can add migrations without touching the repository.
      const project = mkdtempSync(path.join(tmpdir(), 'dev-release-'));
      cpSync(path.join(root, 'test/fixtures/dev/postgres/release-on-change'), project, {
        recursive: true,
      });
      symlinkSync(path.join(root, 'node_modules'), path.join(project, 'node_modules'));
      try {
        const port = await freePort();
        const launcher = runLauncher(project, {
          PORT: String(port),
          DATABASE_URL: '',
          SMTP_URL: 'smtp://127.0.0.1:1',
          S3_ENDPOINT: 'http://127.0.0.1:1',
          REDIS_URL: 'redis://127.0.0.1:1',
        });
        const url = `http://127.0.0.1:${port}/`;
        // PGlite, the release and web all start first: slower than most runs here.
        const first = await pageFrom(url, launcher, 'web on the first schema', 30_000);
        assert.match(first, /^pid \d+: id\n$/);
        const migration = (name: string, sql: string) =>
          writeFileSync(path.join(project, 'migrations', name), `${sql}\n`);
        const page = async (expected: RegExp, what: string) => {
          let text = '';
          await until(
            async () => {
              text =
                (await (await fetch(url).catch(() => undefined))?.text().catch(() => '')) ?? '';
              return expected.test(text);
            },
            what,
            launcher,
          );
          return text;
        };

        migration('002_title.sql', 'ALTER TABLE notes ADD COLUMN title text;');
        const second = await page(/: id, title\n$/, 'web restarted on the new column');
        assert.notEqual(second.split(':')[0], first.split(':')[0], 'a new web process');
        assert.match(
          launcher.output(),
          /^dev +\| migrations\/002_title\.sql added: the release phase runs again, then web restarts, as on a deploy$/m,
        );
        assert.match(launcher.output(), /^release +\| applied 002_title\.sql$/m);
        await until(
          () => /^dev +\| ready again in \d+ ms: http:\/\/localhost:\d+$/m.test(launcher.output()),
          'ready again',
          launcher,
        );

        migration('003_done.sql', 'ALTER TABLE nowhere ADD COLUMN done boolean;');
        await until(
          () => /release exited with code 1/.test(launcher.output()),
          'the failed release',
          launcher,
        );
        const failure = launcher
          .output()
          .split('\n')
          .filter((line) => /^dev +\| release exited with code 1/.test(line));
        assert.deepEqual(failure, [
          'dev     | release exited with code 1, so web runs on as it was: fix the error above and save; the release runs again at the next change in migrations/',
        ]);
        assert.equal(await (await fetch(url)).text(), second, 'the same web process still serves');

        migration('003_done.sql', 'ALTER TABLE notes ADD COLUMN done boolean;');
        await page(/: id, title, done\n$/, 'web restarted once the migration is fixed');

        launcher.child.kill('SIGINT');
        const code = await within(launcher.exited, 15_000, 'exit after SIGINT', launcher);
        assert.equal(code, 0, launcher.output());
        assert.deepEqual(processesWithMarker(launcher.marker), []);
      } finally {
        rmSync(project, { recursive: true, force: true });
      }
    },
  );
});

describe('node scripts/dev.ts run with the postgres stand-in', { timeout: 60_000 }, () => {
  const fixture = path.join(root, 'test/fixtures/dev/run');
  const EXIT_WITH_URL = 'process.exit(process.env.DATABASE_URL ? 3 : 4)';
  /** The launcher's own lines, without their prefix. */
  const said = (stderr: string) =>
    stderr
      .trimEnd()
      .split('\n')
      .map((line) => line.replace(/^dev \| /, ''));

  test(
    'with --only postgres, starts that stand-in alone, says so in one line, exits with the code and stops it',
    { timeout: 60_000 },
    async () => {
      const launcher = runLauncher(
        fixture,
        { DATABASE_URL: '', SMTP_URL: '', S3_ENDPOINT: '', REDIS_URL: '' },
        ['run', '--only', 'postgres', 'node', 'env.ts'],
      );
      const code = await within(launcher.exited, 15_000, 'exit of run', launcher);
      assert.equal(code, 7, launcher.output());
      const env = JSON.parse(launcher.stdout()) as Record<string, string>;
      assert.match(env.DATABASE_URL ?? '', POSTGRES_URL);
      assert.deepEqual(
        { ...env, DATABASE_URL: 'the stand-in' },
        { DATABASE_URL: 'the stand-in', SMTP_URL: '', S3_ENDPOINT: '', REDIS_URL: '' },
        'nothing else started',
      );
      assert.deepEqual(said(launcher.stderr()), [
        '.env not read (DEV_SKIP_DOTENV=1)',
        'run node env.ts, with postgres started for it, stopped after it',
      ]);
      assert.ok(
        !existsSync(path.join(launcher.dataDir, 'postgres.json')),
        'the state file is gone',
      );
      assert.deepEqual(processesWithMarker(launcher.marker), []);
    },
  );

  test('starts nothing for a DATABASE_URL that is set', { timeout: 60_000 }, async () => {
    const env = { DATABASE_URL: 'postgres://mine@127.0.0.1:1/mine' };
    const launcher = runLauncher(fixture, env, [
      'run',
      '--only',
      'postgres',
      'node',
      '-e',
      EXIT_WITH_URL,
    ]);
    const code = await within(launcher.exited, 15_000, 'exit of run', launcher);
    assert.equal(code, 3, launcher.output());
    assert.doesNotMatch(launcher.output(), /postgres/);
    assert.ok(!existsSync(path.join(launcher.dataDir, 'postgres')), 'no PGlite data folder');
  });

  test(
    'while npm run dev runs, uses its stand-ins, every one, and starts none: two lines, and the command’s code',
    { timeout: 40_000 },
    async () => {
      const dev = runLauncher(path.join(root, 'test/fixtures/dev/web'), {
        PORT: String(await freePort()),
        DATABASE_URL: '',
      });
      // Every stand-in of the step starts: slower than most runs here.
      await until(() => /^dev +\| ready in \d+ ms/m.test(dev.output()), 'ready', dev, 30_000);
      // The banner's stand-ins, `name  url  (VARIABLE; ...)`, in its order.
      const banner = [...dev.output().matchAll(/^dev +\| (\w+) +(\S+) {2}\(([A-Z0-9_]+)[;)]/gm)];
      const theirs = Object.fromEntries(banner.map((m) => [m[3] ?? '', m[2] ?? '']));
      const standIns = banner.map((m) => m[1]!);
      assert.match(theirs.DATABASE_URL ?? '', POSTGRES_URL);

      const run = runLauncher(fixture, { DATABASE_URL: '', DEV_DATA_DIR: dev.dataDir }, [
        'run',
        'node',
        'env.ts',
      ]);
      assert.equal(await within(run.exited, 15_000, 'exit of run', run), 7, run.output());
      const env = JSON.parse(run.stdout()) as Record<string, string | undefined>;
      for (const [name, url] of Object.entries(theirs)) assert.equal(env[name], url, name);
      const names =
        standIns.length < 2
          ? standIns.join('')
          : `${standIns.slice(0, -1).join(', ')} and ${standIns[standIns.length - 1]}`;
      assert.deepEqual(said(run.stderr()), [
        '.env not read (DEV_SKIP_DOTENV=1)',
        `run node env.ts, with npm run dev's ${names} (process ${dev.child.pid})`,
      ]);
      assert.deepEqual(processesWithMarker(run.marker), [], 'nothing of its own to stop');

      // npm run migrate runs this way: its migrations on the server that npm run dev serves.
      const migrate = runLauncher(root, { DATABASE_URL: '', DEV_DATA_DIR: dev.dataDir }, [
        'run',
        '--only',
        'postgres',
        'node',
        'src/migrate.ts',
      ]);
      assert.equal(
        await within(migrate.exited, 30_000, 'exit of migrate', migrate),
        0,
        migrate.output(),
      );
      assert.match(
        migrate.stderr(),
        new RegExp(`with npm run dev's postgres \\(process ${dev.child.pid}\\)\\n$`),
      );
      const tables = await query(
        theirs.DATABASE_URL ?? '',
        "SELECT 1 FROM pg_tables WHERE tablename = 'users'",
      );
      assert.equal(tables.length, 1, 'migrated where npm run dev serves');

      dev.child.kill('SIGINT');
      assert.equal(await within(dev.exited, 15_000, 'exit after SIGINT', dev), 0, dev.output());
      assert.ok(!existsSync(path.join(dev.dataDir, 'dev.json')), 'its state file is gone');
    },
  );

  test(
    'a state file of npm run dev whose stand-ins answer no more is not used: the run starts its own',
    { timeout: 60_000 },
    async () => {
      // As a launcher killed outright leaves it, its pid now another process's (this one's).
      const dataDir = mkdtempSync(path.join(tmpdir(), 'dev-stale-'));
      const gone = `postgres://postgres@127.0.0.1:${await freePort()}/postgres`;
      writeFileSync(
        path.join(dataDir, 'dev.json'),
        JSON.stringify({
          pid: process.pid,
          standIns: [{ name: 'postgres', url: gone, env: { DATABASE_URL: gone } }],
        }),
      );
      try {
        const launcher = runLauncher(fixture, { DATABASE_URL: '', DEV_DATA_DIR: dataDir }, [
          'run',
          '--only',
          'postgres',
          'node',
          'env.ts',
        ]);
        assert.equal(await within(launcher.exited, 15_000, 'exit of run', launcher), 7);
        const env = JSON.parse(launcher.stdout()) as Record<string, string>;
        assert.notEqual(env.DATABASE_URL, gone);
        assert.match(env.DATABASE_URL ?? '', POSTGRES_URL);
        assert.match(launcher.stderr(), /with postgres started for it, stopped after it\n$/);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  );

  test(
    'runs dist/X.js as X.ts, output unprefixed, on the server another launcher started',
    { timeout: 60_000 },
    async () => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'dev-run-'));
      const owner = await postgres.start({ root, dataDir, env: {} });
      try {
        const launcher = runLauncher(fixture, { DATABASE_URL: '', DEV_DATA_DIR: dataDir }, [
          'run',
          '--only',
          'postgres',
          'node',
          'dist/print.js',
          'a',
          'b c',
        ]);
        const code = await within(launcher.exited, 15_000, 'exit of run', launcher);
        assert.equal(code, 5, launcher.output());
        assert.equal(launcher.stdout(), `args=a b c\nDATABASE_URL=${owner.url}\n`);
        assert.match(launcher.output(), /^dev \| run node print\.ts a 'b c', with postgres /m);
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
});
