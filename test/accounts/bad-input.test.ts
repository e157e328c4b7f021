// A corpus of bad signups and logins: each gets a 4xx with a message a person can act on, never a
// 5xx, and leaves the users table exactly as it was.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { buildTestApp } from '../support/app.ts';
import { agent, signUp, tokenIn, type Agent } from '../support/forms.ts';

type Built = Awaited<ReturnType<typeof buildTestApp>>;
let built: Built;

const valid = { email: 'new@example.com', displayName: 'New Person', password: 'a fine password' };
const big = 'x'.repeat(10_241);

interface Case {
  name: string;
  path: '/signup' | '/login';
  /** Form fields; `_csrf` is added from the page unless the case sets it. */
  fields?: Record<string, string | string[]>;
  /** A raw body with its content type, instead of a form. */
  raw?: { type: string; body: string };
  /** A form body exactly as written, percent-escapes and all; `&_csrf=` is appended. */
  encoded?: string;
  csrf?: 'omit' | 'wrong' | 'other-session';
  status: number;
  message: RegExp;
}

const signup = (
  fields: Record<string, string | string[]>,
  status: number,
  message: RegExp,
  name: string,
): Case => ({
  name,
  path: '/signup',
  fields: { ...valid, ...fields },
  status,
  message,
});

const CORPUS: Case[] = [
  signup(
    { email: '', displayName: '', password: '' },
    422,
    /Enter your email address\./,
    'every field empty',
  ),
  signup({ email: '' }, 422, /Enter your email address\./, 'empty email'),
  signup({ displayName: '' }, 422, /Enter a display name\./, 'empty display name'),
  signup({ password: '' }, 422, /at least 8 characters/, 'empty password'),
  signup({ email: '   ' }, 422, /Enter your email address\./, 'whitespace email'),
  signup({ displayName: ' \t ' }, 422, /Enter a display name\./, 'whitespace display name'),
  signup({ email: `${big}@example.com` }, 422, /at most 254 characters/, 'email over 10 kB'),
  signup({ displayName: big }, 422, /50 characters or fewer/, 'display name over 10 kB'),
  signup({ password: big }, 422, /200 characters or fewer/, 'password over 10 kB'),
  signup({ email: 'plainaddress' }, 422, /like name@example\.com/, 'email without @'),
  signup({ email: '@example.com' }, 422, /like name@example\.com/, 'email without a local part'),
  signup(
    { email: 'ann@localhost' },
    422,
    /like name@example\.com/,
    'email without a dot in the domain',
  ),
  signup({ email: 'ann@@example.com' }, 422, /like name@example\.com/, 'email with two @'),
  signup({ email: 'ann smith@example.com' }, 422, /plain Latin letters/, 'email with a space'),
  signup(
    { email: 'аnn@example.com' },
    422,
    /plain Latin letters/,
    'Cyrillic а look-alike in the email',
  ),
  signup({ email: 'ann＠example.com' }, 422, /plain Latin letters/, 'full-width ＠ in the email'),
  signup({ email: 'ann@exаmple.com' }, 422, /plain Latin letters/, 'look-alike in the domain'),
  signup(
    { displayName: '\u202eevil' },
    422,
    /invisible or control characters/,
    'right-to-left override in the name',
  ),
  signup(
    { displayName: 'Ze\u200dro' },
    422,
    /invisible or control characters/,
    'zero-width joiner in the name',
  ),
  signup(
    { displayName: 'Nul\u0000l' },
    422,
    /invisible or control characters/,
    'NUL byte in the name',
  ),
  signup(
    { displayName: 'Line\r\nBreak' },
    422,
    /invisible or control characters/,
    'CR/LF in the name',
  ),
  ...[
    ['\u3164', 'Hangul filler U+3164'],
    ['\u115f\u1160', 'Hangul choseong and jungseong fillers'],
    ['\u2800\u2800', 'blank Braille patterns U+2800'],
    ['\u0301', 'a combining accent on nothing'],
    ['\u3000', 'an ideographic space'],
  ].map(([name, what]) =>
    signup(
      { displayName: name! },
      422,
      /(people can see|Enter a display name)/,
      `name of only ${what}`,
    ),
  ),
  ...[
    ['Ann\u2028Lee', 'line separator U+2028'],
    ['Ann\u2029Lee', 'paragraph separator U+2029'],
    ['Ann\uffff', 'noncharacter U+FFFF'],
    ['Ann\ue000', 'private-use U+E000'],
  ].map(([name, what]) =>
    signup({ displayName: name! }, 422, /invisible or control characters/, `${what} in the name`),
  ),
  ...[
    ['displayName=%E0%A4%A', 'a cut-short percent-escape'],
    ['displayName=100%', 'a bare percent sign'],
    ['displayName=%zz', 'a percent-escape of no hex digits'],
    ['displayName=%C3%28', 'a percent-escape of no UTF-8'],
  ].map(([field, what]): Case => ({
    name: `${what} in the form body`,
    path: '/signup',
    encoded: `email=enc%40example.com&password=a+fine+password&${field}`,
    status: 400,
    message: /malformed characters/,
  })),
  signup({ displayName: 'n'.repeat(51) }, 422, /50 characters or fewer/, 'name of 51 characters'),
  signup({ password: 'seven77' }, 422, /at least 8 characters/, 'password of 7 characters'),
  signup(
    { email: "' OR 1=1 --@example.com" },
    422,
    /plain Latin letters|like name@example\.com/,
    'SQL injection in the email',
  ),
  signup(
    { email: "x@example.com'; drop table users; --" },
    422,
    /plain Latin letters|like name@example\.com/,
    'SQL after the email',
  ),
  signup(
    { email: '<script>alert(1)</script>@example.com' },
    422,
    /like name@example\.com/,
    'HTML injection in the email',
  ),
  signup({ email: 'ALICE@Example.COM' }, 422, /already exists/, 'taken email in other letter case'),
  signup(
    { email: '  alice@example.com  ' },
    422,
    /already exists/,
    'taken email with spaces around',
  ),
  signup(
    { email: ['alice2@example.com', 'other@example.com'] },
    422,
    /Enter your email address\./,
    'email field sent twice',
  ),
  {
    name: 'JSON body',
    path: '/signup',
    raw: { type: 'application/json', body: JSON.stringify(valid) },
    status: 415,
    message: /normal HTML form post/,
  },
  {
    name: 'text/plain body',
    path: '/signup',
    raw: { type: 'text/plain', body: 'email=x@example.com' },
    status: 415,
    message: /normal HTML form post/,
  },
  {
    name: 'multipart body',
    path: '/signup',
    raw: { type: 'multipart/form-data; boundary=b', body: '--b--' },
    status: 415,
    message: /normal HTML form post/,
  },
  {
    name: 'body over the 32 kB limit',
    path: '/signup',
    fields: { ...valid, displayName: 'y'.repeat(40_000) },
    status: 413,
    message: /Too large/,
  },
  {
    name: 'more than 20 fields',
    path: '/signup',
    fields: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${i}`, 'x'])),
    status: 413,
    message: /Too large/,
  },
  {
    name: 'missing CSRF token',
    path: '/signup',
    fields: valid,
    csrf: 'omit',
    status: 403,
    message: /reload the page/,
  },
  {
    name: 'wrong CSRF token',
    path: '/signup',
    fields: valid,
    csrf: 'wrong',
    status: 403,
    message: /reload the page/,
  },
  {
    name: "another session's CSRF token",
    path: '/signup',
    fields: valid,
    csrf: 'other-session',
    status: 403,
    message: /reload the page/,
  },
  {
    name: 'login with empty fields',
    path: '/login',
    fields: { email: '', password: '' },
    status: 422,
    message: /Enter your email address\./,
  },
  {
    name: 'login with SQL injection as the email',
    path: '/login',
    fields: { email: "' OR '1'='1", password: 'x' },
    status: 422,
    message: /plain Latin letters|like name@example\.com/,
  },
  {
    name: 'login with a password over 10 kB',
    path: '/login',
    fields: { email: 'alice@example.com', password: big },
    status: 422,
    message: /Please check the form|password/i,
  },
  {
    name: 'login for an unknown email',
    path: '/login',
    fields: { email: 'ghost@example.com', password: 'whatever1' },
    status: 401,
    message: /do not match an account/,
  },
  {
    name: 'login with a wrong password',
    path: '/login',
    fields: { email: 'alice@example.com', password: 'wrong password' },
    status: 401,
    message: /do not match an account/,
  },
  {
    name: 'login without a CSRF token',
    path: '/login',
    fields: { email: 'alice@example.com', password: 'alice password' },
    csrf: 'omit',
    status: 403,
    message: /reload the page/,
  },
  {
    name: 'login as JSON',
    path: '/login',
    raw: { type: 'application/json', body: '{"email":"alice@example.com"}' },
    status: 415,
    message: /normal HTML form post/,
  },
];

async function send(client: Agent, item: Case) {
  const page = await client.get(item.path).expect(200);
  if (item.raw) {
    return client
      .post(item.path)
      .set('Content-Type', item.raw.type)
      .set('x-csrf-token', tokenIn(page.text))
      .send(item.raw.body);
  }
  if (item.encoded !== undefined) {
    return client
      .post(item.path)
      .type('form')
      .send(`${item.encoded}&_csrf=${encodeURIComponent(tokenIn(page.text))}`);
  }
  const pageToken = tokenIn(page.text);
  let token: string | undefined = pageToken;
  if (item.csrf === 'omit') token = undefined;
  if (item.csrf === 'wrong') token = `${pageToken.slice(0, -2)}xx`;
  if (item.csrf === 'other-session') token = tokenIn((await agent(built.app).get(item.path)).text);
  const fields = token === undefined ? item.fields : { ...item.fields, _csrf: token };
  // Repeated keys and long values are encoded by hand so that nothing is normalised on the way.
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(fields ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) body.append(key, v);
  }
  return client.post(item.path).type('form').send(body.toString());
}

before(async () => {
  built = await buildTestApp();
  await signUp(agent(built.app), {
    email: 'alice@example.com',
    displayName: 'Alice',
    password: 'alice password',
  });
});

describe('bad input', () => {
  test(`the corpus has at least 30 cases (${CORPUS.length})`, () => {
    assert.ok(CORPUS.length >= 30);
  });

  for (const item of CORPUS) {
    test(`${item.path}: ${item.name} → ${item.status}, nothing stored`, async () => {
      const count = async () => Number((await built.deps.db('users').count({ n: '*' }))[0]!.n);
      const before = await count();
      const res = await send(agent(built.app), item);
      assert.equal(res.status, item.status, res.text.slice(0, 300));
      assert.match(res.text, item.message);
      assert.equal(await count(), before, 'the users table is unchanged');
    });
  }
});
