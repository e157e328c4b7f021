// Sign up, log in, log out and my page, through HTTP against a real database.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { verifyPassword } from '../../src/accounts/passwords.ts';
import { buildTestApp } from '../support/app.ts';
import { agent, signUp, submit, tokenIn } from '../support/forms.ts';

type Built = Awaited<ReturnType<typeof buildTestApp>>;
let built: Built;
const users = () => built.deps.db('users');

before(async () => {
  built = await buildTestApp();
});

describe('sign up', () => {
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
    const client = agent(built.app);
    const form = await client.get('/login').expect(200);
    const before = /sid=([^;]+)/.exec(String(form.headers['set-cookie']))?.[1];
    assert.ok(before, 'the login form starts a session for its CSRF token');
    const res = await client
      .post('/login')
      .type('form')
      .send({ email: 'cy@example.com', password: 'cy password 1', _csrf: tokenIn(form.text) });
    const after = /sid=([^;]+)/.exec(String(res.headers['set-cookie']))?.[1];
    assert.ok(after);
    assert.notEqual(after, before);
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
    assert.match(String(res.headers['content-security-policy']), /default-src 'self'/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN');
  });

  test('an anonymous visit to the landing page creates no session', async () => {
    const res = await agent(built.app).get('/').expect(200);
    assert.equal(res.headers['set-cookie'], undefined);
  });

  test('the session cookie is HttpOnly and SameSite=Lax', async () => {
    const res = await agent(built.app).get('/signup').expect(200);
    assert.match(String(res.headers['set-cookie']), /sid=.*HttpOnly.*SameSite=Lax/i);
  });
});
