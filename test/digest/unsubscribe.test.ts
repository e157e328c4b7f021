// The digest on the site, through HTTP: opting in and out on "my page", and unsubscribing by the signed
// link of a real digest, from its page or with a mail client's one-click POST, without a session and
// without a CSRF token; a tampered, borrowed or expired link gets a clear 4xx and changes nothing.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { DAY_MS } from '../../src/campaign/campaign.ts';
import { enqueueDigests } from '../../src/digest/digest.job.ts';
import { unsubscribeToken } from '../../src/digest/unsubscribe.ts';
import { buildTestApp } from '../support/app.ts';
import { agent, signUp, tokenIn, type Agent } from '../support/forms.ts';

const SECRET = 'the secret of this test file, long enough';

let built: Awaited<ReturnType<typeof buildTestApp>>;
let count = 0;

before(async () => {
  built = await buildTestApp({
    UNSUBSCRIBE_SECRET: SECRET,
    PUBLIC_URL: 'https://contest.example',
  });
});

async function participant(): Promise<{ client: Agent; id: string; email: string }> {
  const client = agent(built.app);
  const email = `reader${++count}@example.com`;
  const answer = await signUp(client, {
    email,
    displayName: `Reader ${count}`,
    password: 'a long enough password',
  });
  assert.equal(answer.status, 303);
  const row = await built.deps.db('users').where({ email }).first('id');
  return { client, id: String(row!.id), email };
}

const subscribed = async (id: string) =>
  (await built.deps.db('digest_subscriptions').where({ user_id: id }).first()) !== undefined;

/** Sends the form of "my page" with `digest`, expecting `status`; resolves to the answer. */
async function choose(client: Agent, digest: string, status = 303) {
  const page = await client.get('/me').expect(200);
  return client
    .post('/me/digest')
    .type('form')
    .send({ digest, _csrf: tokenIn(page.text) })
    .expect(status);
}

/** Opts in, runs the job, and returns the link of the digest it wrote for `id`. */
async function linkFromDigest(who: { client: Agent; id: string }): Promise<string> {
  await choose(who.client, 'on');
  const { campaign } = built.deps.config;
  await enqueueDigests({
    db: built.deps.db,
    campaign,
    publicUrl: 'https://contest.example',
    secret: SECRET,
    timeZone: 'UTC',
    hour: 0,
    batchSize: 100,
    now: new Date(),
  });
  const row = await built.deps
    .db('email_outbox')
    .where({ user_id: who.id, kind: 'digest' })
    .first<{ headers: Record<string, string>; text_body: string }>('headers', 'text_body');
  assert.ok(row, 'the job wrote a digest');
  assert.equal(row.headers['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click');
  const link = /^<(https:\/\/contest\.example(\/unsubscribe\/[^>]+))>$/.exec(
    row.headers['List-Unsubscribe']!,
  );
  assert.ok(link, row.headers['List-Unsubscribe']);
  assert.ok(row.text_body.includes(link[1]!), 'the text has the same link as the header');
  return link[2]!;
}

describe('the digest on my page', () => {
  test('a participant turns the digest on and off', async () => {
    const who = await participant();
    assert.match((await who.client.get('/me').expect(200)).text, /Send me the daily digest/);
    assert.equal((await choose(who.client, 'on')).headers.location, '/me');
    assert.equal(await subscribed(who.id), true);
    assert.match((await who.client.get('/me').expect(200)).text, /Stop the daily digest/);
    await choose(who.client, 'on');
    await choose(who.client, 'off');
    assert.equal(await subscribed(who.id), false);
  });

  test('anything but on or off is refused with 400 and changes nothing', async () => {
    const who = await participant();
    const answer = await choose(who.client, 'yes please', 400);
    assert.match(answer.text, /turn the digest on or off/);
    assert.equal(await subscribed(who.id), false);
  });

  test('without the form token, or logged out, nothing changes', async () => {
    const who = await participant();
    await who.client.post('/me/digest').type('form').send({ digest: 'on' }).expect(403);
    const stranger = agent(built.app);
    const form = await stranger.get('/login').expect(200);
    await stranger
      .post('/me/digest')
      .type('form')
      .send({ digest: 'on', _csrf: tokenIn(form.text) })
      .expect(401);
    assert.equal(await subscribed(who.id), false);
  });
});

describe('the unsubscribe link', () => {
  test('opening it only asks; its button unsubscribes, and the link keeps working after', async () => {
    const who = await participant();
    const path = await linkFromDigest(who);
    const page = await agent(built.app).get(path).expect(200);
    assert.match(page.text, /Stop the daily digest\?/);
    assert.match(page.text, /r•••@example\.com/);
    assert.equal(await subscribed(who.id), true, 'a GET, as a mail scanner makes, changes nothing');
    await agent(built.app).post(`${path}?from=page`).expect(303).expect('Location', path);
    assert.equal(await subscribed(who.id), false);
    const after = await agent(built.app).get(path).expect(200);
    assert.match(after.text, /You are unsubscribed/);
    await agent(built.app).post(`${path}?from=page`).expect(303);
  });

  test("a mail client's one-click POST works without a session or a CSRF token, twice", async () => {
    const who = await participant();
    const path = await linkFromDigest(who);
    for (let i = 0; i < 2; i++) {
      const answer = await agent(built.app)
        .post(path)
        .type('form')
        .send('List-Unsubscribe=One-Click')
        .expect(200);
      assert.match(answer.text, /Unsubscribed/);
      assert.equal(answer.headers['set-cookie'], undefined, 'no session is made for it');
    }
    assert.equal(await subscribed(who.id), false);
  });

  test('a tampered link gets 400 and unsubscribes nobody', async () => {
    const who = await participant();
    const path = await linkFromDigest(who);
    const other = await participant();
    await choose(other.client, 'on');
    const [, , token] = path.split('/');
    const [, day, signature] = token!.split('.');
    const flipped = signature!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    for (const forged of [
      `/unsubscribe/${who.id}.${day}.${flipped}`,
      `/unsubscribe/${other.id}.${day}.${signature}`,
      `/unsubscribe/${who.id}.${Number(day) + 365}.${signature}`,
      `/unsubscribe/${token!.slice(0, -5)}`,
      '/unsubscribe/not-a-token',
    ]) {
      const answer = await agent(built.app)
        .post(forged)
        .type('form')
        .send('List-Unsubscribe=One-Click');
      assert.equal(answer.status, 400, forged);
      assert.match((await agent(built.app).get(forged).expect(400)).text, /not valid/);
    }
    assert.equal(await subscribed(who.id), true);
    assert.equal(await subscribed(other.id), true);
  });

  test('a link for an address the account no longer has gets 400', async () => {
    const who = await participant();
    const path = await linkFromDigest(who);
    await built.deps
      .db('users')
      .where({ id: who.id })
      .update({ email: `moved-${who.email}` });
    await agent(built.app).post(path).expect(400);
    assert.equal(await subscribed(who.id), true);
  });

  test('an expired link gets 410 with what to do instead, and changes nothing', async () => {
    const who = await participant();
    await choose(who.client, 'on');
    const expired = unsubscribeToken(SECRET, who, new Date(Date.now() - 2 * DAY_MS));
    const answer = await agent(built.app).post(`/unsubscribe/${expired}`).expect(410);
    assert.match(answer.text, /expired.*log in and stop the digest from your page/s);
    await agent(built.app).get(`/unsubscribe/${expired}`).expect(410);
    assert.equal(await subscribed(who.id), true);
  });
});
