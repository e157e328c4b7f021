// The database as a backing service: migrations in the release phase, a clear stop when it is missing
// at boot, and 503s with recovery when it goes away or hangs while the app runs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import knex from 'knex';
import { migrationNames } from '../src/platform/migrator.ts';
import { buildTestApp, webTestEnv } from './support/app.ts';
import { createTestDatabase, testDatabase, type TestDatabase } from './support/db.ts';
import { onCleanup } from './support/cleanup.ts';
import { agent, signUp, type Agent } from './support/forms.ts';
import { freePort, start, withTimeout } from './support/process.ts';
import { startProxy, throughProxy, type Proxy } from './support/tcp-proxy.ts';

describe('migrations', () => {
  test('have unique, strictly increasing timestamped names', async () => {
    const names = await migrationNames();
    assert.ok(names.length > 0);
    for (const name of names) assert.match(name, /^\d{14}_[a-z0-9_]+$/);
    assert.deepEqual([...names].sort(), names);
    assert.equal(new Set(names.map((n) => n.slice(0, 14))).size, names.length);
  });

  test('the release entry point migrates a fresh database, then finds nothing to do', async () => {
    const fresh = await createTestDatabase({ migrate: false });
    try {
      const env = {
        NODE_ENV: 'test',
        DATABASE_URL: fresh.url,
      };
      const first = start(['src/migrate.ts'], env);
      assert.equal((await withTimeout(first.exited, 20_000, 'migrate')).code, 0, first.output());
      assert.match(first.output(), /applied \d+ migration/);
      const second = start(['src/migrate.ts'], env);
      assert.equal(
        (await withTimeout(second.exited, 20_000, 'migrate again')).code,
        0,
        second.output(),
      );
      assert.match(second.output(), /database schema is up to date/);
    } finally {
      await fresh.drop();
    }
  });
});

test('the release phase in production requires DATABASE_URL alone', async () => {
  const database = await testDatabase();
  const release = start(['src/migrate.ts'], {
    NODE_ENV: 'production',
    DATABASE_URL: `${database.url}?sslmode=disable`,
  });
  const { code } = await withTimeout(release.exited, 20_000, 'migrate');
  assert.equal(code, 0, release.output());
  assert.match(release.output(), /database schema is up to date|applied \d+ migration/);
});

describe('a database ahead of the code, as after a rollback past a migration', () => {
  // What version 2 left behind: a column of its own and the migration that added it, unknown to this code.
  const NEWER = '20991231000000_add_favourite_colour';
  let ahead: TestDatabase;
  const release = async (nodeEnv: string) => {
    const run = start(['src/migrate.ts'], {
      NODE_ENV: nodeEnv,
      DATABASE_URL: `${ahead.url}${ahead.url.includes('?') ? '&' : '?'}sslmode=disable`,
    });
    return { code: (await withTimeout(run.exited, 20_000, 'migrate')).code, output: run.output() };
  };
  const recorded = async () => {
    const db = knex({ client: 'pg', connection: ahead.url, pool: { min: 0, max: 1 } });
    try {
      const rows = await db<{ name: string }>('knex_migrations').select('name').orderBy('id');
      return rows.map((row) => row.name);
    } finally {
      await db.destroy();
    }
  };

  before(async () => {
    ahead = await createTestDatabase();
    onCleanup(() => ahead.drop());
    const db = knex({ client: 'pg', connection: ahead.url, pool: { min: 0, max: 1 } });
    await db.schema.alterTable('users', (table) => table.text('favourite_colour'));
    await db('knex_migrations').insert({ name: NEWER, batch: 2, migration_time: new Date() });
    await db.destroy();
  });

  test('the release phase in production keeps the newer schema, names it and exits 0; the site works', async () => {
    const { code, output } = await release('production');
    assert.equal(code, 0, output);
    assert.match(output, /the database is ahead of this code by 1 migration/);
    assert.match(output, new RegExp(NEWER));
    assert.deepEqual((await recorded()).at(-1), NEWER);

    const { app } = await buildTestApp({ DATABASE_URL: ahead.url });
    const client = agent(app);
    await signUp(client, {
      email: 'rolled@example.com',
      displayName: 'Rolf',
      password: 'back again',
    });
    const me = await client.get('/me').expect(200);
    assert.match(me.text, /Hello, Rolf/);
  });

  test('elsewhere the release stops, and its advice erases nothing but the local stand-in', async () => {
    const { code, output } = await release('development');
    assert.equal(code, 1, output);
    assert.match(
      output,
      /has migrations this code does not have: 20991231000000_add_favourite_colour/,
    );
    assert.match(output, /npm run db:reset/);
    assert.doesNotMatch(output, /pg:reset|pg:reset DATABASE_URL/);
  });

  test('histories that parted stop the release in production too, and nothing is applied', async () => {
    const before = await recorded();
    const own = before.filter((name) => name !== NEWER).at(-1)!;
    const db = knex({ client: 'pg', connection: ahead.url, pool: { min: 0, max: 1 } });
    await db('knex_migrations').where({ name: own }).delete();
    await db.destroy();

    const { code, output } = await release('production');
    assert.equal(code, 1, output);
    assert.match(output, new RegExp(`this code has migrations it lacks: ${own}`));
    assert.match(output, /nothing was changed/);
    assert.doesNotMatch(output, /pg:reset|db:reset/);
    assert.deepEqual(
      await recorded(),
      before.filter((name) => name !== own),
    );
  });
});

describe('startup', () => {
  test('an unreachable database stops the web process with exit 1 and says what to check', async () => {
    const closed = await freePort();
    const child = start(['src/server.ts'], {
      ...(await webTestEnv()),
      PORT: String(await freePort()),
      DATABASE_URL: `postgres://postgres@127.0.0.1:${closed}/campaign`,
      DATABASE_TIMEOUT_MS: '1000',
    });
    const { code } = await withTimeout(child.exited, 15_000, 'exit');
    assert.equal(code, 1);
    assert.match(
      child.output(),
      new RegExp(`web: cannot reach the database at 127\\.0\\.0\\.1:${closed}/campaign`),
    );
    assert.match(child.output(), /Check DATABASE_URL/);
  });
});

describe('a database the migrations have not run on', () => {
  test('a request answers 503, and the log says once which table is missing and what to run', async () => {
    const fresh = await createTestDatabase({ migrate: false });
    onCleanup(() => fresh.drop());
    const built = await buildTestApp({ DATABASE_URL: fresh.url });
    for (const email of ['first@example.com', 'second@example.com']) {
      const res = await signUp(agent(built.app), {
        email,
        displayName: 'Early',
        password: 'before migrations',
      });
      assert.equal(res.status, 503);
      assert.match(res.text, /The site is still being set up/);
      assert.equal(res.headers['retry-after'], '30');
    }
    const said = built.logs.filter((l) => /table does not exist/.test(l.msg));
    assert.equal(said.length, 1, JSON.stringify(said));
    assert.match(
      said[0]!.msg,
      /^the users table does not exist: the migrations .*have not run on this database\. Run `npm run migrate`/,
    );
    assert.match(said[0]!.msg, /`heroku local release`/);
  });
});

describe('an outage while running', () => {
  let proxy: Proxy;
  let built: Awaited<ReturnType<typeof buildTestApp>>;

  before(async () => {
    const database = await testDatabase();
    const target = new URL(database.url);
    proxy = await startProxy({ host: target.hostname, port: Number(target.port) });
    built = await buildTestApp({
      DATABASE_URL: throughProxy(database.url, proxy),
      DATABASE_TIMEOUT_MS: '1000',
    });
  });
  after(() => proxy.close());

  test('requests get a friendly 503, /healthz reports it, nothing is half-stored, and it recovers', async () => {
    const client = agent(built.app);
    await signUp(client, {
      email: 'outage@example.com',
      displayName: 'Olive',
      password: 'before outage',
    });
    await client.get('/me').expect(200);
    const healthy = await client.get('/healthz').expect(200);
    const signupForm = await client.get('/signup').expect(200);

    proxy.cut();
    const me = await client.get('/me').set('Accept', 'text/html');
    assert.equal(me.status, 503);
    assert.match(me.text, /Our database is not answering right now/);
    assert.equal(me.headers['retry-after'], '30');
    const health = await client.get('/healthz');
    assert.equal(health.status, 503);
    // The public answer says what is down, never why: no driver message, address or port.
    assert.deepEqual(health.body, {
      status: 'degraded',
      checks: { ...healthy.body.checks, database: 'down' },
    });
    assert.ok(
      built.logs.some(
        (l) => l.msg === 'health check failed' && JSON.stringify(l).includes('database'),
      ),
    );
    const token = /name="_csrf" value="([^"]+)"/.exec(signupForm.text)![1]!;
    const during = await client.post('/signup').type('form').send({
      email: 'during@example.com',
      displayName: 'During',
      password: 'during outage',
      _csrf: token,
    });
    assert.equal(during.status, 503);
    assert.ok(built.logs.some((l) => l.msg === 'backing service unavailable'));

    proxy.restore();
    await client.get('/me').expect(200);
    assert.equal((await client.get('/healthz')).status, 200);
    const stored = await built.deps.db('users').where({ email: 'during@example.com' }).first();
    assert.equal(stored, undefined, 'the signup during the outage stored nothing');
  });
});

describe('a database that hangs', () => {
  // A hung database answers nothing; the router gives up at 30 s (H12). These deadlines are the
  // test's short ones; the defaults (5 s to connect, 5 s a query) give the same shape, slower.
  const DEADLINE_MS = 6000;

  /** The app through a proxy, a logged-in member, and the pool warmed as under load. */
  async function memberBehindProxy(email: string) {
    const database = await testDatabase();
    const target = new URL(database.url);
    const proxy = await startProxy({ host: target.hostname, port: Number(target.port) });
    onCleanup(() => proxy.close());
    const built = await buildTestApp({
      DATABASE_URL: throughProxy(database.url, proxy),
      DATABASE_TIMEOUT_MS: '1000',
      DATABASE_QUERY_TIMEOUT_MS: '1000',
    });
    const client = agent(built.app);
    await signUp(client, { email, displayName: 'Hana', password: 'while it hangs' });
    const poolMax = built.deps.config.database.poolMax;
    // Every connection of the pool opened and idle, as under load: each is one a hang can catch.
    const warm = await Promise.all(Array.from({ length: poolMax }, () => client.get('/me')));
    assert.deepEqual(new Set(warm.map((r) => r.status)), new Set([200]));
    return { proxy, client, poolMax };
  }

  /** GET /me, bounded: a request the app never answers fails the test instead of hanging it. */
  async function timedMe(client: Agent) {
    const started = performance.now();
    const res = await withTimeout(
      client
        .get('/me')
        .set('Accept', 'text/html')
        .then((r) => r),
      DEADLINE_MS,
      'GET /me while the database hangs',
    );
    return { res, ms: performance.now() - started };
  }

  function assertPromptOutage({ res, ms }: Awaited<ReturnType<typeof timedMe>>) {
    assert.equal(res.status, 503, res.text);
    assert.match(res.text, /Our database is not answering right now/);
    assert.equal(res.headers['retry-after'], '30');
    assert.ok(ms < DEADLINE_MS, `answered after ${Math.round(ms)} ms`);
  }

  test('GET /me answers 503 with Retry-After within 6 s, for more requests than the pool holds, and 200 once it answers again', async () => {
    const { proxy, client, poolMax } = await memberBehindProxy('hang@example.com');
    proxy.hang();
    // As many at once as the pool holds: each takes an idle connection whose query gets no answer.
    const together = await Promise.all(Array.from({ length: poolMax }, () => timedMe(client)));
    together.forEach(assertPromptOutage);
    // Then more than the pool holds, one after another: none waits behind a stuck connection.
    for (let i = 0; i < poolMax + 2; i++) assertPromptOutage(await timedMe(client));

    proxy.restore();
    const back = await withTimeout(
      client.get('/me').then((r) => r),
      DEADLINE_MS,
      'GET /me after the hang',
    );
    assert.equal(back.status, 200);
  });

  test('connections that never got their answer are not handed out again: the page answers at once when the database is back elsewhere', async () => {
    const { proxy, client, poolMax } = await memberBehindProxy('stranded@example.com');
    proxy.hang();
    const together = await Promise.all(Array.from({ length: poolMax }, () => timedMe(client)));
    together.forEach(assertPromptOutage);
    // The database answers again, but never on the connections the hang caught.
    proxy.strand();
    for (let i = 0; i < poolMax + 2; i++) {
      const { res } = await timedMe(client);
      assert.equal(res.status, 200, `request ${i + 1} after the hang: ${res.status}`);
    }
  });
});
