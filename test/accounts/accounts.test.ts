// Sign up, log in, log out and my page, through HTTP against a real database.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { verifyPassword } from '../../src/accounts/passwords.ts';
import request from 'supertest';
import { buildTestApp } from '../support/app.ts';
import { agent, signUp, submit, tokenIn } from '../support/forms.ts';

type Built = Awaited<ReturnType<typeof buildTestApp>>;
let built: Built;
const users = () => built.deps.db('users');

before(async () => {
  built = await buildTestApp();
});

describe('sign up', () => {
  test('accepts display names in any script, with accents and emoji', async () => {
    const names = ['山田 花子', 'Zoë Ødegård', 'Анна', '❤️ Ann', '👩🏽 Lee', 'محمد'];
    for (const [i, displayName] of names.entries()) {
      const res = await signUp(agent(built.app), {
        email: `script${i}@example.com`,
        displayName,
        password: 'any script 1',
      });
      assert.equal(res.status, 303, `${displayName}: ${res.text.slice(0, 200)}`);
      const row = await users()
        .where({ email: `script${i}@example.com` })
        .first();
      assert.equal(row.display_name, displayName);
    }
  });

  test('creates the user, logs them in and shows my page', async () => {
    const client = agent(built.app);
    const res = await signUp(client, {
      email: '  Ann@Example.com ',
      displayName: 'Ann',
      password: 'correct horse',
    });
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/me');
    const me = await client.get('/me').expect(200);
    assert.match(me.text, /Hello, Ann/);
    assert.match(me.text, /ann@example\.com/);

    const row = await users().where({ email: 'ann@example.com' }).first();
    assert.ok(row, 'stored with the email trimmed and lower-cased');
    assert.match(row.password_hash, /^scrypt\$32768\$8\$1\$/);
    assert.doesNotMatch(row.password_hash, /correct horse/);
    assert.ok(await verifyPassword('correct horse', row.password_hash));
  });

  test('a validation error answers 422 and keeps what was typed, except the password', async () => {
    const client = agent(built.app);
    const res = await submit(client, '/signup', {
      email: 'not-an-email',
      displayName: 'Bea',
      password: 'secret-password',
    });
    assert.equal(res.status, 422);
    assert.match(res.text, /Enter an email address like name@example\.com\./);
    assert.match(res.text, /value="not-an-email"/);
    assert.match(res.text, /value="Bea"/);
    assert.doesNotMatch(res.text, /secret-password/);
  });

  test('a display name with markup is stored as typed and shown escaped', async () => {
    const client = agent(built.app);
    await signUp(client, {
      email: 'markup@example.com',
      displayName: '<b>Bold</b>',
      password: 'long enough',
    });
    const me = await client.get('/me').expect(200);
    assert.match(me.text, /Hello, &lt;b&gt;Bold&lt;\/b&gt;/);
    assert.doesNotMatch(me.text, /<b>Bold<\/b>/);
  });
});

describe('log in and log out', () => {
  before(async () => {
    await signUp(agent(built.app), {
      email: 'cy@example.com',
      displayName: 'Cy',
      password: 'cy password 1',
    });
  });

  test('logs in with the right password, in any letter case of the email', async () => {
    const client = agent(built.app);
    const res = await submit(client, '/login', {
      email: 'CY@example.com',
      password: 'cy password 1',
    });
    assert.equal(res.status, 303);
    assert.match((await client.get('/me').expect(200)).text, /Hello, Cy/);
  });

  test('a wrong password and an unknown email get the same answer', async () => {
    const wrong = await submit(agent(built.app), '/login', {
      email: 'cy@example.com',
      password: 'not it at all',
    });
    const unknown = await submit(agent(built.app), '/login', {
      email: 'nobody@example.com',
      password: 'not it at all',
    });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    const strip = (text: string) =>
      text.replace(/name="_csrf" value="[^"]+"/, '').replace(/value="[^"]*@example\.com"/, '');
    assert.equal(strip(wrong.text), strip(unknown.text));
    assert.match(wrong.text, /That email and password do not match an account\./);
  });

  test('the session id changes at login, so a planted session id is useless', async () => {
    // An attacker logs in, then plants their own session cookie in the victim's browser.
    const attacker = await submit(agent(built.app), '/login', {
      email: 'cy@example.com',
      password: 'cy password 1',
    });
    const planted = sessionIdIn(attacker);
    const form = await request(built.app).get('/login').set('Cookie', `sid=${planted}`);
    const formCookie = /form=([^;]+)/.exec(String(form.headers['set-cookie']))?.[1];
    const res = await request(built.app)
      .post('/login')
      .set('Cookie', `sid=${planted}; form=${formCookie}`)
      .type('form')
      .send({ email: 'cy@example.com', password: 'cy password 1', _csrf: tokenIn(form.text) });
    assert.equal(res.status, 303);
    assert.notEqual(sessionIdIn(res), planted);
  });

  test('log out ends the session: my page sends you to log in', async () => {
    const client = agent(built.app);
    await submit(client, '/login', { email: 'cy@example.com', password: 'cy password 1' });
    const me = await client.get('/me').expect(200);
    const out = await client
      .post('/logout')
      .type('form')
      .send({ _csrf: tokenIn(me.text) });
    assert.equal(out.status, 303);
    assert.equal(out.headers.location, '/');
    const again = await client.get('/me');
    assert.equal(again.status, 303);
    assert.equal(again.headers.location, '/login');
  });

  test('my page without logging in redirects to the login form', async () => {
    const res = await agent(built.app).get('/me');
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/login');
  });
});

describe('security headers and sessions', () => {
  test('pages carry helmet’s headers', async () => {
    const res = await agent(built.app).get('/').expect(200);
    assert.match(String(res.headers['content-security-policy']), /default-src 'none'/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN');
  });

  test('an anonymous visit to the landing page creates no session', async () => {
    const res = await agent(built.app).get('/').expect(200);
    assert.equal(res.headers['set-cookie'], undefined);
  });

  test('the session cookie is HttpOnly and SameSite=Lax, and set only at login', async () => {
    const res = await submit(agent(built.app), '/signup', {
      email: 'cookie@example.com',
      displayName: 'Cookie',
      password: 'cookie jar 1',
    });
    assert.match(String(res.headers['set-cookie']), /sid=.*HttpOnly.*SameSite=Lax/i);
  });

  test('a form page sets only a short-lived, HttpOnly form cookie, and is not cached', async () => {
    for (const path of ['/signup', '/login']) {
      const res = await agent(built.app).get(path).expect(200);
      const cookies = String(res.headers['set-cookie']);
      assert.doesNotMatch(cookies, /sid=/, path);
      assert.match(cookies, /form=[\w-]{43}; Max-Age=7200;.*HttpOnly.*SameSite=Lax/, path);
      assert.equal(res.headers['cache-control'], 'private, no-store', path);
    }
  });

  test('anonymous visitors cost the server no memory: forms, failed posts and 404s store no session', async () => {
    const { app, deps } = await buildTestApp();
    // Counted from here: a shared store may hold the sessions of this file's other tests.
    const before = await storedSessions(deps);
    const client = agent(app);
    for (let i = 0; i < 50; i++) {
      await client.get(i % 2 ? '/login' : '/signup').expect(200);
      await request(app).get('/signup').expect(200);
    }
    await submit(client, '/login', { email: 'nobody@example.com', password: 'wrong guess 1' });
    await submit(client, '/signup', { email: 'not an email', displayName: 'X', password: 'x' });
    await client.get('/no-such-page').expect(404);
    assert.equal(await storedSessions(deps), before);
    // The store is the one that counts: a login does put one there.
    await submit(client, '/login', { email: 'cy@example.com', password: 'cy password 1' });
    assert.equal(await storedSessions(deps), before + 1);
  });

  test('pages for a logged-in visitor, and pages with a form, are private and never stored', async () => {
    const client = agent(built.app);
    await submit(client, '/login', { email: 'cy@example.com', password: 'cy password 1' });
    for (const path of ['/', '/me', '/login', '/signup', '/no-such-page']) {
      const res = await client.get(path);
      assert.equal(res.headers['cache-control'], 'private, no-store', path);
    }
    const wrong = await submit(agent(built.app), '/login', {
      email: 'cy@example.com',
      password: 'not my password',
    });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers['cache-control'], 'private, no-store');
    const invalid = await submit(agent(built.app), '/signup', {
      email: 'typed@example.com',
      displayName: '',
      password: 'x',
    });
    assert.equal(invalid.status, 422);
    assert.match(invalid.text, /typed@example\.com/);
    assert.equal(invalid.headers['cache-control'], 'private, no-store');
  });

  test('a form token from another visitor’s cookie is refused', async () => {
    const mine = agent(built.app);
    const theirs = await agent(built.app).get('/login').expect(200);
    await mine.get('/login').expect(200);
    const res = await mine
      .post('/login')
      .type('form')
      .send({ email: 'cy@example.com', password: 'cy password 1', _csrf: tokenIn(theirs.text) });
    assert.equal(res.status, 403);
  });
});

function sessionIdIn(res: { headers: Record<string, unknown> }): string {
  const id = /sid=([^;]+)/.exec(String(res.headers['set-cookie']))?.[1];
  assert.ok(id, 'a session cookie was set');
  return id;
}

function storedSessions({ sessionStore }: Built['deps']): Promise<number> {
  return new Promise((resolve, reject) =>
    sessionStore.length!((err: Error | null, length?: number) =>
      err ? reject(err) : resolve(length ?? 0),
    ),
  );
}
