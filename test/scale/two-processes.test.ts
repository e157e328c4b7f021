// Two web processes as two dynos: on one Redis they share logins and rate limits; each with its own
// memory store, a login made on one is unknown to the other.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { webTestEnv } from '../support/app.ts';
import { startWeb, type WebProcess } from '../support/process.ts';
import { NO_REDIS, requireRedis } from '../support/redis.ts';
import { visitor, type Visitor } from '../support/visitor.ts';

let base: Record<string, string>;
before(async () => {
  base = await webTestEnv();
  // The file's own choice of store below, whatever the run gave every file.
  delete base.REDIS_URL;
  delete base.REDIS_KEY_PREFIX;
  // Every dyno of an app has the same config: the cookies one signs, the others accept.
  base.SESSION_SECRET = randomBytes(32).toString('hex');
});

const password = 'correct horse battery';

async function signUpOn(web: WebProcess, who: Visitor) {
  const email = `p-${randomUUID()}@example.com`;
  const answer = await who.submit(`${web.url}/signup`, { email, displayName: 'Aiko', password });
  assert.equal(answer.status, 303, answer.text);
  return email;
}

const tokenOf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

const servedBy = (answer: { headers: Headers }) => answer.headers.get('x-served-by');

describe('two web processes on one Redis', () => {
  let a: WebProcess;
  let b: WebProcess;
  before(async () => {
    const redis = await requireRedis();
    if (!redis) return;
    [a, b] = await Promise.all([
      startWeb({ ...base, ...redis.env, DYNO: 'web.1' }),
      startWeb({ ...base, ...redis.env, DYNO: 'web.2' }),
    ]);
  });

  test('a login made on A is valid on B, and a logout on B ends it on A', async (t) => {
    if (!a) return t.skip(NO_REDIS);
    const who = visitor();
    const email = await signUpOn(a, who);
    const me = await who.get(`${a.url}/me`);
    await who.post(`${a.url}/logout`, { _csrf: tokenOf(me.text) });
    const login = await who.submit(`${a.url}/login`, { email, password });
    assert.equal(login.status, 303);
    assert.match(servedBy(login) ?? '', /^web\.1 pid \d+$/);

    const onB = await who.get(`${b.url}/me`);
    assert.equal(onB.status, 200, 'B knows the session A created');
    assert.match(servedBy(onB) ?? '', /^web\.2 /);
    assert.match(onB.text, /Aiko/);

    const logout = await who.post(`${b.url}/logout`, { _csrf: tokenOf(onB.text) });
    assert.equal(logout.status, 303);

    const meOnA = await who.get(`${a.url}/me`);
    assert.equal(meOnA.status, 303, 'A no longer knows the session');
    assert.equal(meOnA.headers.get('location'), '/login');
  });

  test('a logged-out session cookie, replayed on A, is refused too', async (t) => {
    if (!a) return t.skip(NO_REDIS);
    const who = visitor();
    await signUpOn(a, who);
    const cookie = who.cookies.get('sid');
    assert.ok(cookie);
    const me = await who.get(`${b.url}/me`);
    assert.equal((await who.post(`${b.url}/logout`, { _csrf: tokenOf(me.text) })).status, 303);

    const replay = visitor();
    replay.cookies.set('sid', cookie);
    assert.equal((await replay.get(`${a.url}/me`)).status, 303);
  });

  test('wrong passwords tried on A and on B add up to one ceiling for the account', async (t) => {
    if (!a) return t.skip(NO_REDIS);
    const email = await signUpOn(a, visitor());
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const web = i % 2 === 0 ? a : b;
      // A fresh address each time, so that only the account's ceiling counts them all.
      const guesser = visitor({ 'x-forwarded-for': `198.51.100.${i + 1}` });
      const answer = await guesser.submit(`${web.url}/login`, { email, password: 'wrong guess' });
      statuses.push(answer.status);
    }
    assert.deepEqual(statuses, Array<number>(10).fill(401));

    // Past the ceiling, a new address gets one try, on either process, and no second.
    const stranger = visitor({ 'x-forwarded-for': '198.51.100.50' });
    const first = await stranger.submit(`${a.url}/login`, { email, password: 'wrong guess' });
    assert.equal(first.status, 401);
    const second = await stranger.submit(`${b.url}/login`, { email, password: 'wrong guess' });
    assert.equal(second.status, 429, 'the ceiling counted on A and on B together');
    assert.ok(Number(second.headers.get('retry-after')) > 800, 'about 15 minutes');
    assert.match(
      second.text,
      /Too many login attempts for this account\. Try again in 1[45] minutes\./,
    );

    const owner = await visitor({ 'x-forwarded-for': '198.51.100.99' }).submit(`${b.url}/login`, {
      email,
      password,
    });
    assert.equal(owner.status, 303, 'the owner, from an address of their own, is not locked out');
  });

  test('the address limit counts logins on A and on B together', async (t) => {
    if (!a) return t.skip(NO_REDIS);
    const from = { 'x-forwarded-for': '203.0.113.7' };
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) {
      const web = i % 2 === 0 ? a : b;
      const answer = await visitor(from).submit(`${web.url}/login`, {
        email: `nobody-${i}@example.com`,
        password: 'not it',
      });
      statuses.push(answer.status);
    }
    assert.deepEqual(statuses, [...Array<number>(30).fill(401), 429, 429]);
  });
});

describe('two web processes, each with its own memory store', () => {
  test('a login made on A is unknown to B: the memory store does not scale out', async () => {
    const [a, b] = await Promise.all([
      startWeb({ ...base, DYNO: 'web.1' }),
      startWeb({ ...base, DYNO: 'web.2' }),
    ]);
    const who = visitor();
    await signUpOn(a, who);
    assert.equal((await who.get(`${a.url}/me`)).status, 200, 'A knows it');
    const onB = await who.get(`${b.url}/me`);
    assert.equal(onB.status, 303, 'B sends the visitor to log in again');
    assert.equal(onB.headers.get('location'), '/login');
  });
});
