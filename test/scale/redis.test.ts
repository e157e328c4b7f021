// Redis as Heroku gives it (TLS, a password, a certificate of its own), and what the app does when
// Redis is not there: at start, one clear line and exit 1; while running, 503s, then recovery.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'redis';
import { findRedisServer } from '../../scripts/dev/index.ts';
import { buildTestApp, webTestEnv } from '../support/app.ts';
import { agent, signUp, submit, tokenIn, type Agent } from '../support/forms.ts';
import { freePort, start, withTimeout } from '../support/process.ts';
import {
  NO_REDIS,
  privateRedis,
  requireRedis,
  selfSignedCertificate,
  type TestRedis,
} from '../support/redis.ts';
import { startProxy, type Proxy } from '../support/tcp-proxy.ts';

const installed = await findRedisServer();
const skipUnlessInstalled = installed === undefined && process.env.REQUIRE_REDIS !== '1';

type Built = Awaited<ReturnType<typeof buildTestApp>>;

/** A participant who signed up on `built` and sees their page. */
async function member(built: Built, who: { email: string; displayName: string; password: string }) {
  const browser = agent(built.app);
  await signUp(browser, who);
  await browser.get('/me').expect(200);
  return browser;
}

/** Asks `path` again every 100 ms until it answers 200; fails after ten seconds. */
async function until200(browser: Agent, path: string, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await browser.get(path)).status !== 200) {
    assert.ok(Date.now() < deadline, `${what} within 10 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Redis as Heroku gives it: rediss://, a password, a self-signed certificate', () => {
  test(
    'the app connects over TLS without verifying the certificate, and login works',
    { skip: skipUnlessInstalled && NO_REDIS },
    async () => {
      const server = await privateRedis({
        tls: await selfSignedCertificate(),
        password: 'p4ss word',
      });
      assert.match(server.url, /^rediss:\/\/:p4ss%20word@127\.0\.0\.1:\d+$/);
      const { app, logs } = await buildTestApp({ REDIS_URL: server.url, REDIS_KEY_PREFIX: '' });
      const browser = agent(app);
      const signup = await signUp(browser, {
        email: 'tls@example.com',
        displayName: 'Tomo',
        password: 'over tls please',
      });
      assert.equal(signup.status, 303);
      await browser.get('/me').expect(200).expect(/Tomo/);
      assert.deepEqual((await browser.get('/healthz').expect(200)).body.checks.redis, 'ok');

      const peek = createClient({
        url: server.url,
        socket: { tls: true, rejectUnauthorized: false },
      });
      await peek.connect();
      try {
        const keys = await peek.keys('sess:*');
        assert.equal(keys.length, 1, 'one session, stored over TLS');
        const ttl = await peek.ttl(keys[0]!);
        assert.ok(
          ttl > 7 * 24 * 3600 - 60 && ttl <= 7 * 24 * 3600,
          `expires with the cookie (${ttl} s)`,
        );
      } finally {
        await peek.close();
      }
      assert.ok(!logs.some((l) => l.level >= 50), 'no error logged');
    },
  );
});

test('browsing anonymously writes nothing to Redis: no session, no counter', async (t) => {
  const redis = await requireRedis();
  if (!redis) return t.skip(NO_REDIS);
  const { app } = await buildTestApp({ ...redis.env, REDIS_KEY_PREFIX: `${redis.prefix}anon:` });
  const browser = agent(app);
  for (const path of ['/', '/signup', '/login', '/no-such-page', '/healthz', '/assets/site.css']) {
    await browser.get(path);
  }
  assert.deepEqual(await redis.keys('anon:*'), []);
  const guess = await browser.get('/login');
  await browser
    .post('/login')
    .type('form')
    .send({ email: 'x@example.com', password: 'a guess', _csrf: tokenIn(guess.text) })
    .expect(401);
  // A login attempt is counted, and its counter expires with the limit's window; still no session.
  const keys = await redis.keys('anon:*');
  assert.equal(keys.length, 3, keys.join());
  assert.match(keys[0]!, /^anon:limit:login-account-ip:[\w-]{22}:10\.\d+\.\d+\.\d+$/);
  assert.match(keys[1]!, /^anon:limit:login-account:[\w-]{22}$/, 'the account as a digest');
  assert.match(keys[2]!, /^anon:limit:login-ip:10\.\d+\.\d+\.\d+$/);
});

describe('Redis not there at start', () => {
  let env: Record<string, string>;
  before(async () => {
    env = await webTestEnv();
  });

  const boot = async (extra: Record<string, string>) => {
    const child = start(['src/server.ts'], { ...env, PORT: String(await freePort()), ...extra });
    const { code } = await withTimeout(child.exited, 15_000, 'exit of a web that cannot start');
    return { code, output: child.output() };
  };

  test('an address where nothing listens: one clear line, what to check, and exit 1', async () => {
    const port = await freePort();
    const { code, output } = await boot({ REDIS_URL: `redis://:hidden@127.0.0.1:${port}` });
    assert.equal(code, 1);
    assert.match(
      output,
      new RegExp(
        `^web: cannot reach Redis at redis://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`,
        'm',
      ),
    );
    assert.match(output, /Check REDIS_URL \(heroku config:get REDIS_URL\)/);
    assert.doesNotMatch(output, /hidden/, 'the password is never printed');
    assert.doesNotMatch(output, /^\s+at /m, 'no stack trace');
  });

  test(
    'a wrong password: the same one line, with Redis’s reason',
    { skip: skipUnlessInstalled && NO_REDIS },
    async () => {
      const server = await privateRedis({ password: 'the right one' });
      const { code, output } = await boot({ REDIS_URL: `redis://:wrong@127.0.0.1:${server.port}` });
      assert.equal(code, 1);
      assert.match(output, /^web: cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+: WRONGPASS/m);
    },
  );

  test('production without REDIS_URL refuses the memory store, naming the add-on', async () => {
    const { code, output } = await boot({
      NODE_ENV: 'production',
      REDIS_URL: '',
      SESSION_SECRET: 'x'.repeat(32),
      CAMPAIGN_STARTS_AT: '2026-12-01',
      CAMPAIGN_ENDS_AT: '2027-01-31',
      MAIL_FROM: 'Contest <contest@example.com>',
      PUBLIC_URL: 'https://contest.example.com',
      DATABASE_URL: `${env.DATABASE_URL}${env.DATABASE_URL?.includes('?') ? '&' : '?'}sslmode=disable`,
    });
    assert.equal(code, 1);
    assert.match(
      output,
      /REDIS_URL: required in production.*heroku addons:create heroku-redis:mini/,
    );
  });
});

describe('a Redis outage while running', () => {
  let redis: TestRedis | undefined;
  let proxy: Proxy;
  let built: Awaited<ReturnType<typeof buildTestApp>>;

  before(async () => {
    redis = await requireRedis();
    if (!redis) return;
    const target = new URL(redis.url);
    proxy = await startProxy({ host: target.hostname, port: Number(target.port || 6379) });
    target.port = String(proxy.port);
    built = await buildTestApp({ REDIS_URL: target.toString() });
  });
  after(() => proxy?.close());

  test('session pages answer 503, the landing page 200, nothing is half-written, and it recovers', async (t) => {
    if (!redis) return t.skip(NO_REDIS);
    const mei = await member(built, {
      email: 'member@example.com',
      displayName: 'Mei',
      password: 'before the outage',
    });
    const visitor = agent(built.app);
    const form = await visitor.get('/signup').expect(200);
    const healthy = await mei.get('/healthz').expect(200);

    proxy.cut();
    const me = await mei.get('/me').set('Accept', 'text/html');
    assert.equal(me.status, 503);
    assert.equal(me.headers['retry-after'], '30');
    assert.match(me.text, /Logins are not available for a moment/);

    const landing = await mei.get('/').expect(200);
    assert.match(landing.text, /Log in/, 'shown as to a visitor while sessions are away');
    await visitor.get('/').expect(200);

    const signup = await visitor
      .post('/signup')
      .type('form')
      .send({
        email: 'during@example.com',
        displayName: 'During',
        password: 'during the outage',
        _csrf: tokenIn(form.text),
      });
    assert.equal(signup.status, 503);
    const login = await visitor
      .post('/login')
      .type('form')
      .send({
        email: 'member@example.com',
        password: 'before the outage',
        _csrf: tokenIn(form.text),
      });
    assert.equal(login.status, 503);

    const health = await mei.get('/healthz');
    assert.equal(health.status, 503);
    assert.deepEqual(health.body, {
      status: 'degraded',
      checks: { ...healthy.body.checks, redis: 'down' },
    });
    assert.ok(built.logs.some((l) => l.msg === 'redis connection lost: reconnecting'));
    // An outage the app answers deserves one line a request, not a stack trace each.
    const refused = built.logs.filter((l) => l.msg === 'backing service unavailable');
    assert.ok(refused.length >= 3, `${refused.length} requests refused in the log`);
    for (const line of refused) {
      assert.equal(line.err, undefined, 'no stack');
      assert.match(String(line.detail), /^Redis is not answering: [^\n]+$/);
    }

    proxy.restore();
    await until200(mei, '/healthz', 'recovered');
    await mei.get('/me').expect(200).expect(/Mei/);
    assert.ok(built.logs.some((l) => l.msg === 'redis is back'));
    const stored = await built.deps.db('users').where({ email: 'during@example.com' }).first();
    assert.equal(stored, undefined, 'the signup during the outage stored nothing');
  });

  test('a signup committed just before Redis stalls says the account is ready, and it logs in later', async (t) => {
    if (!redis) return t.skip(NO_REDIS);
    const visitor = agent(built.app);
    const form = await visitor.get('/signup').expect(200);
    // The first session command after the commit: every session key carries this prefix.
    proxy.hangWhenSent('sess:');
    const signup = await visitor
      .post('/signup')
      .type('form')
      .send({
        email: 'stalled@example.com',
        displayName: 'Stalled',
        password: 'committed first',
        _csrf: tokenIn(form.text),
      });
    proxy.restore();
    assert.equal(signup.status, 201, signup.text);
    assert.match(
      signup.text,
      /Your account is ready, but logging in is not available for a moment/,
    );
    assert.match(signup.text, /value="stalled@example.com"/);
    assert.doesNotMatch(
      String(signup.headers['set-cookie'] ?? ''),
      /sid=/,
      'no cookie for no session',
    );
    const stored = await built.deps.db('users').where({ email: 'stalled@example.com' }).first();
    assert.ok(stored, 'the account was committed');

    const later = agent(built.app);
    await until200(later, '/healthz', 'recovered');
    const login = await submit(later, '/login', {
      email: 'stalled@example.com',
      password: 'committed first',
    });
    assert.equal(login.status, 303);
    await later
      .get('/me')
      .expect(200)
      .expect(/Stalled/);
  });
});

test(
  'redis-server killed and started again on its port: 503 meanwhile, then logins work without a restart',
  { skip: skipUnlessInstalled && NO_REDIS },
  async () => {
    const server = await privateRedis();
    const { port } = server;
    const built = await buildTestApp({ REDIS_URL: server.url, REDIS_KEY_PREFIX: '' });
    const account = {
      email: 'killed@example.com',
      displayName: 'Kiri',
      password: 'before the kill',
    };
    const kiri = await member(built, account);

    await server.kill();
    assert.equal((await kiri.get('/me')).status, 503);
    await agent(built.app).get('/').expect(200);

    await privateRedis({ port });
    await until200(kiri, '/healthz', 'reconnected');
    // That Redis kept nothing on disk: the session is gone, and a new login works.
    await kiri.get('/me').expect(303).expect('Location', '/login');
    const login = await submit(kiri, '/login', {
      email: account.email,
      password: account.password,
    });
    assert.equal(login.status, 303);
    await kiri.get('/me').expect(200).expect(/Kiri/);
  },
);

test(
  'a redis-server that hangs (SIGSTOP): 503 within seconds, not at the router’s 30 s, then recovery',
  // Without the app's own command timeout this request would hang for ever: fail instead.
  { skip: skipUnlessInstalled && NO_REDIS, timeout: 60_000 },
  async () => {
    const server = await privateRedis();
    const built = await buildTestApp({ REDIS_URL: server.url, REDIS_KEY_PREFIX: '' });
    const hana = await member(built, {
      email: 'hung@example.com',
      displayName: 'Hana',
      password: 'before it hangs',
    });

    process.kill(server.pid, 'SIGSTOP');
    try {
      const started = performance.now();
      const me = await hana.get('/me');
      const waited = performance.now() - started;
      assert.equal(me.status, 503);
      assert.match(me.text, /Logins are not available for a moment/);
      assert.ok(waited < 15_000, `answered after ${Math.round(waited)} ms`);
    } finally {
      process.kill(server.pid, 'SIGCONT');
    }
    await until200(hana, '/me', 'answers again');
  },
);
