// Session and form cookies a browser never sent: forged, malformed, for a session that does not exist,
// too large, or twice. Each gets a 4xx or is treated as an anonymous visitor — never a 5xx, never a login.
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { before, test } from 'node:test';
import express from 'express';
import session from 'express-session';
import request from 'supertest';
import { createLogger } from '../../src/platform/logger.ts';
import { sessions } from '../../src/platform/session.ts';
import { requestLogger } from '../../src/web/request-log.ts';
import { buildTestApp } from '../support/app.ts';
import { agent, signUp } from '../support/forms.ts';

const SECRET = randomBytes(32).toString('hex');
const COOKIE = { httpOnly: true, sameSite: 'lax' } as const;
let built: Awaited<ReturnType<typeof buildTestApp>>;
let realSession: string;

/** A cookie value signed as express-session signs its own: `s:` + id + `.` + HMAC-SHA256, unpadded. */
const signed = (id: string, secret = SECRET) =>
  `s:${id}.${createHmac('sha256', secret).update(id).digest('base64').replace(/=+$/, '')}`;

before(async () => {
  built = await buildTestApp({ SESSION_SECRET: SECRET });
  const client = agent(built.app);
  const res = await signUp(client, {
    email: 'cookie@example.com',
    displayName: 'Cookie',
    password: 'cookie password',
  });
  realSession = /sid=([^;]+)/.exec(String(res.headers['set-cookie']))![1]!;
});

/** Each case's Cookie header, made once the real session exists. */
const cases: Array<[string, () => string]> = [
  [
    'a real session id signed with another secret',
    () => {
      const id = decodeURIComponent(realSession).slice(2).split('.')[0]!;
      return `sid=${encodeURIComponent(signed(id, 'x'.repeat(64)))}`;
    },
  ],
  [
    'a signed id of a session that does not exist',
    () => `sid=${encodeURIComponent(signed('no-such-session'))}`,
  ],
  ['an unsigned id', () => 'sid=abc123'],
  ['a signature cut short', () => `sid=${realSession.slice(0, -10)}`],
  ['a broken percent-escape', () => 'sid=s%3A%E0%A4%A'],
  ['an empty value', () => 'sid='],
  ['two session cookies, the second real', () => `sid=s%3Aforged.x; sid=${realSession}`],
  ['a 4 kB value', () => `sid=${'a'.repeat(4096)}`],
  ['a forged form cookie', () => 'form=s%3Aforged.nope'],
  ['control characters', () => 'sid=%00%0d%0a'],
];

for (const [name, cookieOf] of cases) {
  test(`${name}: an anonymous visitor, no 5xx`, async () => {
    const cookie = cookieOf();
    const home = await request(built.app).get('/').set('Cookie', cookie);
    assert.equal(home.status, 200);
    const me = await request(built.app).get('/me').set('Cookie', cookie);
    // Only the first cookie of a name counts: a forged one in front hides a real session too.
    assert.equal(me.status, 303, `${name}: ${me.status}`);
    assert.equal(me.headers.location, '/login');
  });
}

test('a real session still works, so the cases above prove something', async () => {
  const me = await request(built.app).get('/me').set('Cookie', `sid=${realSession}`);
  assert.equal(me.status, 200);
  assert.match(me.text, /Hello, Cookie/);
});

test('a Cookie header over Node’s 16 kB limit is refused with 431 before the app runs', async () => {
  const res = await request(built.app)
    .get('/')
    .set('Cookie', `sid=${'a'.repeat(20_000)}`);
  assert.equal(res.status, 431);
});

test('a forged session cookie beside a genuine form: log out ends nothing and answers as usual', async () => {
  const { cookie: formCookie, token } = await genuineForm();
  const res = await request(built.app)
    .post('/logout')
    .set('Cookie', `sid=${encodeURIComponent(signed('no-such-session'))}; form=${formCookie}`)
    .type('form')
    .send({ _csrf: token });
  assert.equal(res.status, 303);
  assert.equal(res.headers.location, '/');
  // The real session is untouched.
  await request(built.app).get('/me').set('Cookie', `sid=${realSession}`).expect(200);
});

/** A genuine form cookie's value and the token of the page that set it. */
async function genuineForm() {
  const form = await request(built.app).get('/login');
  const cookie = /form=([^;]+)/.exec(String(form.headers['set-cookie']))![1]!;
  return { cookie, token: /name="_csrf" value="([^"]+)"/.exec(form.text)![1]! };
}

test('a form cookie with `=` in its value is read whole: cut at the `=`, it would pass for the genuine one', async () => {
  const { cookie, token } = await genuineForm();
  const res = await request(built.app)
    .post('/logout')
    .set('Cookie', `form=${cookie}=x`)
    .type('form')
    .send({ _csrf: token });
  assert.equal(res.status, 403);
  // A page that reads it hands out a fresh form cookie, as for any value this site did not set.
  const page = await request(built.app).get('/login').set('Cookie', `form=${cookie}=x`);
  assert.match(String(page.headers['set-cookie']), /form=/);
});

test('a percent-encoded form cookie is decoded: it is the same cookie, its token is accepted', async () => {
  const { cookie, token } = await genuineForm();
  const encoded = [...cookie].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('');
  const page = await request(built.app).get('/login').set('Cookie', `form=${encoded}`);
  assert.equal(page.headers['set-cookie'], undefined);
  const res = await request(built.app)
    .post('/logout')
    .set('Cookie', `form=${encoded}`)
    .type('form')
    .send({ _csrf: token });
  assert.equal(res.status, 303);
  assert.equal(res.headers.location, '/');
});

test('a page view without a session cookie never reaches the store; one with a cookie, or a POST, does', async () => {
  const asked: string[] = [];
  const store = new session.MemoryStore();
  const get = store.get.bind(store);
  store.get = (id, done) => {
    asked.push(id);
    get(id, done);
  };
  const app = express();
  app.use(sessions({ secret: SECRET, cookie: { ...COOKIE, secure: false } }, store));
  app.all('/', (req, res) => {
    res.json({ session: req.session !== undefined });
  });

  const visitor = await request(app).get('/').set('Cookie', 'form=abc');
  assert.deepEqual(visitor.body, { session: false });
  assert.equal(visitor.headers['set-cookie'], undefined);
  const member = await request(app)
    .get('/')
    .set('Cookie', `sid=${encodeURIComponent(signed('some-id'))}`);
  assert.deepEqual(member.body, { session: true });
  assert.deepEqual(asked, ['some-id']);
  // A login is a POST: it must find a session to put the user in, cookie or not.
  const post = await request(app).post('/');
  assert.deepEqual(post.body, { session: true });
});

test('the production build over plain http sets no session cookie, and says why once', async () => {
  const lines: string[] = [];
  const logger = createLogger(
    { level: 'warn', pretty: false },
    {
      write: (line: string) => void lines.push(line),
    },
  );
  const app = express();
  app.set('trust proxy', 1);
  app.use(requestLogger(logger));
  app.use(
    sessions({ secret: SECRET, cookie: { ...COOKIE, secure: true } }, new session.MemoryStore()),
  );
  app.post('/login', (req, res) => {
    req.session.user = { id: '1', displayName: 'Plain' };
    res.send('logged in');
  });

  for (let i = 0; i < 3; i++) {
    const plain = await request(app).post('/login').expect(200);
    assert.equal(plain.headers['set-cookie'], undefined);
  }
  const told = lines.map((line) => JSON.parse(line) as { msg: string }).map((line) => line.msg);
  assert.equal(told.length, 1, told.join('\n'));
  assert.match(told[0]!, /plain http.*Secure.*npm run dev.*X-Forwarded-Proto: https/);

  const routed = await request(app).post('/login').set('X-Forwarded-Proto', 'https').expect(200);
  assert.match(String(routed.headers['set-cookie']), /sid=.*Secure/);
  assert.equal(lines.length, 1);
});
