// Profile photos through HTTP, against the local S3 server that `npm run dev` starts: what the app
// signs, both ways back from the bucket, replacing a photo, old uploads, and the bucket going away.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildTestApp, webTestEnv } from '../support/app.ts';
import { sweepExpiredUploads } from '../../src/uploads/photos.cleanup.ts';
import { testBucket } from '../support/bucket.ts';
import { jpegLike, png } from '../support/images.ts';
import {
  bucketClient,
  confirm,
  pageForm,
  participant,
  presign,
  sendToBucket,
  signed,
  type Participant,
} from '../support/photos.ts';
import { agent } from '../support/forms.ts';
import { freePort, start, withTimeout } from '../support/process.ts';
import { startProxy, throughProxy, type Proxy } from '../support/tcp-proxy.ts';

const userIdOf = (key: string | undefined) => key?.split('/')[1] ?? '';

/** The participant's rows in photo_uploads, oldest first. */
async function uploadsOf(
  built: Awaited<ReturnType<typeof buildTestApp>>,
  who: Participant,
): Promise<Array<{ id: string; status: string; expires_at: Date }>> {
  return built.deps
    .db('photo_uploads')
    .join('users', 'users.id', 'photo_uploads.user_id')
    .where('users.email', who.email)
    .orderBy('photo_uploads.created_at')
    .select('photo_uploads.id', 'photo_uploads.status', 'photo_uploads.expires_at');
}

describe('a photo from the page', () => {
  let built: Awaited<ReturnType<typeof buildTestApp>>;
  let bucket: ReturnType<typeof bucketClient>;

  before(async () => {
    built = await buildTestApp();
    bucket = bucketClient(await testBucket());
  });

  test('the app signs one key under the participant’s pending prefix, 1 byte to 5 MB, the declared type, for five minutes', async () => {
    const who = await participant(built.app);
    const started = Date.now();
    const answer = await presign(who, 'image/png').expect(201);
    const { fields } = answer.body as { fields: Record<string, string> };
    const policy = JSON.parse(Buffer.from(fields.Policy!, 'base64').toString()) as {
      expiration: string;
      conditions: unknown[];
    };
    const key = fields.key!;
    assert.match(key, /^pending\/\d+\/[0-9a-f-]{36}$/);
    assert.deepEqual(policy.conditions.slice(0, 1), [['content-length-range', 1, 5 * 1024 * 1024]]);
    assert.ok(policy.conditions.some((c) => JSON.stringify(c) === JSON.stringify({ key })));
    assert.ok(
      policy.conditions.some(
        (c) => JSON.stringify(c) === JSON.stringify({ 'Content-Type': 'image/png' }),
      ),
    );
    const lifetime = Date.parse(policy.expiration) - started;
    assert.ok(lifetime > 4 * 60_000 && lifetime <= 5 * 60_000 + 1000, `lifetime ${lifetime} ms`);
    // The answer is personal and never cached.
    assert.match(answer.headers['cache-control'] ?? '', /no-store/);
  });

  test('a photo uploaded by the page’s script becomes my photo, served as an image through a short-lived link', async () => {
    const who = await participant(built.app);
    const upload = await signed(who, 'image/png');
    const file = png(8, 8);
    assert.equal((await sendToBucket(upload, file, { type: 'image/png' })).status, 204);

    const confirmed = await confirm(who, upload.id).expect(200);
    const { url, type } = confirmed.body.photo as { url: string; type: string };
    assert.equal(type, 'image/png');
    assert.match(url, /X-Amz-Expires=600/);
    assert.match(url, /response-content-type=image%2Fpng/);
    const image = await fetch(url);
    assert.equal(image.status, 200);
    assert.equal(image.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await image.arrayBuffer()), file);

    // Kept under photos/, and nothing left under pending/.
    const userId = userIdOf(upload.fields.key);
    assert.deepEqual(await bucket.keys(`pending/${userId}/`), []);
    assert.deepEqual(await bucket.keys(`photos/${userId}/`), [`photos/${userId}/${upload.id}.png`]);
    const me = await who.client.get('/me').expect(200);
    assert.match(me.text, new RegExp(`<img\\s+src="[^"]*/photos/${userId}/${upload.id}\\.png\\?`));
    assert.doesNotMatch(me.text, /No photo yet/);
  });

  test('my page only reads: viewing it signs nothing and stores nothing', async () => {
    const who = await participant(built.app);
    const before = await uploadsOf(built, who);
    for (let i = 0; i < 5; i++) {
      const me = await who.client.get('/me').expect(200);
      assert.match(me.text, /<a href="\/me\/photo">Add a photo<\/a>/);
      assert.doesNotMatch(me.text, /data-photo-upload|x-amz-signature/i);
    }
    assert.deepEqual(await uploadsOf(built, who), before);
  });

  test('100 views of the photo page leave one pending upload, signed afresh for the address of each view, and its form still uploads and is confirmed', async () => {
    const who = await participant(built.app);
    const forms = [];
    for (let i = 0; i < 100; i++) forms.push(await pageForm(who));
    const rows = await uploadsOf(built, who);
    assert.equal(rows.length, 1, `${rows.length} rows after 100 views`);
    assert.deepEqual(new Set(forms.map((form) => form.id)), new Set([rows[0]!.id]));

    // S3's redirect is a condition of the policy: a view from another address gets it signed for that one.
    const page = await who.client.get('/me/photo').set('Host', 'photos.example.test:8443');
    const redirect = /name="success_action_redirect" value="([^"]+)"/.exec(page.text)?.[1];
    assert.equal(
      redirect?.replaceAll('&amp;', '&'),
      // The test's browser is behind the router over HTTPS, as a participant's is.
      `https://photos.example.test:8443/me/photo/confirm?upload=${rows[0]!.id}`,
    );

    const form = forms.at(-1)!;
    assert.equal((await sendToBucket(form, png(3, 3), { type: 'image/png' })).status, 303);
    await who.client.get(`/me/photo/confirm?upload=${form.id}&key=${form.fields.key}`).expect(303);
    assert.doesNotMatch((await who.client.get('/me').expect(200)).text, /No photo yet/);
    assert.deepEqual(
      (await uploadsOf(built, who)).map((row) => row.status),
      ['attached'],
    );
    // Once used, the next view signs a new upload.
    assert.notEqual((await pageForm(who)).id, form.id);
    assert.equal((await uploadsOf(built, who)).length, 2);
  });

  test('two tabs of the photo page share its upload: the one confirmed second is told to choose again, and leaves nothing behind', async () => {
    const who = await participant(built.app);
    const first = await pageForm(who);
    const second = await pageForm(who);
    assert.equal(second.id, first.id);
    const back = async (answer: Response) => {
      const location = new URL(answer.headers.get('location')!);
      return who.client.get(location.pathname + location.search).set('Accept', 'application/json');
    };
    assert.equal(
      (await back(await sendToBucket(first, png(2, 2), { type: 'image/png' }))).status,
      303,
    );

    const late = await back(await sendToBucket(second, png(5, 5), { type: 'image/png' }));
    assert.equal(late.status, 409);
    assert.match(late.body.error.message, /already been used\. Choose a new photo/);
    const userId = userIdOf(first.fields.key);
    assert.deepEqual(await bucket.keys(`pending/${userId}/`), []);
    assert.deepEqual(await bucket.keys(`photos/${userId}/`), [`photos/${userId}/${first.id}.png`]);
  });

  test('the photo page is for a logged-in participant: a visitor is sent to log in', async () => {
    const answer = await agent(built.app).get('/me/photo').expect(303);
    assert.equal(answer.headers.location, '/login');
  });

  test('without script, the form posts to the bucket and S3’s redirect brings the browser back to confirm', async () => {
    const who = await participant(built.app);
    const form = await pageForm(who);
    // A plain form cannot know the file's type, so the policy names none; the bytes decide.
    assert.equal(form.fields['Content-Type'], undefined);
    const stored = await sendToBucket(form, png(4, 4), { type: 'image/png' });
    assert.equal(stored.status, 303);
    const back = new URL(stored.headers.get('location')!);
    assert.equal(back.pathname, '/me/photo/confirm');
    assert.equal(back.searchParams.get('key'), form.fields.key);

    const confirmed = await who.client.get(back.pathname + back.search).expect(303);
    assert.equal(confirmed.headers.location, '/me#photo-heading');
    const me = await who.client.get('/me').expect(200);
    assert.doesNotMatch(me.text, /No photo yet/);
    const src = /<img\s+src="([^"]+)"/.exec(me.text)![1]!.replaceAll('&amp;', '&');
    assert.equal((await fetch(src)).headers.get('content-type'), 'image/png');
  });

  test('a new photo replaces the old one, whose object is deleted', async () => {
    const who = await participant(built.app);
    const first = await signed(who, 'image/png');
    await sendToBucket(first, png(2, 2), { type: 'image/png' });
    await confirm(who, first.id).expect(200);
    const second = await signed(who, 'image/jpeg');
    await sendToBucket(second, jpegLike(), { type: 'image/jpeg' });
    const answer = await confirm(who, second.id).expect(200);
    assert.equal(answer.body.photo.type, 'image/jpeg');

    const userId = userIdOf(second.fields.key);
    assert.deepEqual(await bucket.keys(`photos/${userId}/`), [`photos/${userId}/${second.id}.jpg`]);
    const rows: Array<{ id: string; status: string; photo_key: string | null }> = await built.deps
      .db('photo_uploads')
      .where({ user_id: userId })
      .orderBy('created_at');
    assert.deepEqual(
      rows.filter((row) => row.id === first.id || row.id === second.id).map((row) => row.status),
      ['replaced', 'attached'],
    );
    assert.equal(rows.find((row) => row.id === first.id)?.photo_key, null, 'its object is gone');
  });

  test('the pages let the browser use the bucket’s origin for the form, the upload and the image, and nothing else', async () => {
    const who = await participant(built.app);
    const me = await who.client.get('/me').expect(200);
    const policy = me.headers['content-security-policy']!;
    const origin = new URL((await testBucket()).url).origin;
    const directive = (name: string) =>
      policy
        .split(';')
        .map((d) => d.trim())
        .find((d) => d.startsWith(`${name} `));
    assert.equal(directive('form-action'), `form-action 'self' ${origin}`);
    assert.equal(directive('connect-src'), `connect-src 'self' ${origin}`);
    assert.equal(directive('img-src'), `img-src 'self' data: ${origin}`);
    assert.equal(directive('default-src'), "default-src 'none'");
    assert.equal(directive('script-src'), "script-src 'self'");
  });
});

describe('an upload left unconfirmed', () => {
  test('is refused once its time is over, and its object is deleted', async () => {
    let now = Date.now();
    const built = await buildTestApp({}, () => new Date(now));
    const bucket = bucketClient(await testBucket());
    const who = await participant(built.app);
    const upload = await signed(who, 'image/png');
    assert.equal((await sendToBucket(upload, png(2, 2), { type: 'image/png' })).status, 204);

    // Five minutes to start the upload, and a grace for one still arriving on a slow line: then no more.
    now += 21 * 60_000;
    const late = await confirm(who, upload.id).expect(410);
    assert.match(late.body.error.message, /too old/);
    assert.deepEqual(await bucket.keys(upload.fields.key), []);
    assert.equal((await confirm(who, upload.id)).status, 410);
  });
});

describe('the photo page viewed for a long time', () => {
  test('a view a minute for an hour keeps one upload open, its expiry pushed out at most once every five minutes', async () => {
    let now = Date.now();
    const built = await buildTestApp({}, () => new Date(now));
    const who = await participant(built.app);
    const expiries = new Set<number>();
    for (let minute = 0; minute < 60; minute++) {
      now += 60_000;
      await who.client.get('/me/photo').expect(200);
      const rows = await uploadsOf(built, who);
      assert.equal(rows.length, 1, `${rows.length} rows after ${minute + 1} minutes`);
      const expiresAt = new Date(rows[0]!.expires_at).getTime();
      // Open for at least the five minutes its newest signature lasts.
      assert.ok(expiresAt >= now + 5 * 60_000, `open until ${expiresAt - now} ms from now`);
      expiries.add(expiresAt);
    }
    assert.ok(expiries.size <= 13, `${expiries.size} writes in an hour`);

    // Once it has closed, the next view signs a new one; the sweep closes the old.
    now += 11 * 60_000;
    await who.client.get('/me/photo').expect(200);
    assert.equal((await uploadsOf(built, who)).length, 2);
  });
});

describe('the sweep a scheduled job runs', () => {
  test('closes uploads never confirmed and deletes what they left, and leaves live ones alone', async () => {
    let now = Date.now();
    const built = await buildTestApp({}, () => new Date(now));
    const bucket = bucketClient(await testBucket());
    const who = await participant(built.app);
    const abandoned = await signed(who, 'image/png');
    await sendToBucket(abandoned, png(2, 2), { type: 'image/png' });
    const never = await signed(who, 'image/png');

    now += 21 * 60_000;
    const live = await signed(who, 'image/png');
    await sendToBucket(live, png(2, 2), { type: 'image/png' });
    const deps = { ...built.deps, now: () => new Date(now) };
    // Two signed here, and those of other tests; the plain form's upload, open longer, may not be due yet.
    const { closed } = await sweepExpiredUploads(deps, { batch: 2 });
    assert.ok(closed >= 2, `closed ${closed}`);
    assert.deepEqual(
      await sweepExpiredUploads(deps),
      { closed: 0, deleted: 0 },
      'a second run finds nothing',
    );
    const states = await built.deps
      .db('photo_uploads')
      .whereIn('id', [abandoned.id, never.id, live.id])
      .select('id', 'status');
    assert.deepEqual(
      Object.fromEntries(states.map((row: { id: string; status: string }) => [row.id, row.status])),
      { [abandoned.id]: 'rejected', [never.id]: 'rejected', [live.id]: 'pending' },
    );

    assert.deepEqual(await bucket.keys(abandoned.fields.key), []);
    assert.equal((await confirm(who, never.id)).status, 410);
    await confirm(who, live.id).expect(200);
  });

  test('deletes the object of a former photo that a failed delete left behind', async () => {
    const built = await buildTestApp();
    const bucket = bucketClient(await testBucket());
    const who = await participant(built.app);
    const first = await signed(who, 'image/png');
    await sendToBucket(first, png(2, 2), { type: 'image/png' });
    await confirm(who, first.id).expect(200);
    const second = await signed(who, 'image/png');
    await sendToBucket(second, png(3, 3), { type: 'image/png' });
    await confirm(who, second.id).expect(200);
    // As if the bucket had failed to delete the first photo when the second replaced it.
    const userId = userIdOf(first.fields.key);
    const left = `photos/${userId}/${first.id}.png`;
    await bucket.put(left, png(2, 2), 'image/png');
    await built.deps.db('photo_uploads').where({ id: first.id }).update({ photo_key: left });

    const { deleted } = await sweepExpiredUploads(built.deps);
    assert.ok(deleted >= 1, `deleted ${deleted}`);
    assert.deepEqual(await bucket.keys(`photos/${userId}/`), [`photos/${userId}/${second.id}.png`]);
    const row = await built.deps.db('photo_uploads').where({ id: first.id }).first();
    assert.equal(row.photo_key, null);
  });
});

describe('the bucket goes away', () => {
  let proxy: Proxy;
  let built: Awaited<ReturnType<typeof buildTestApp>>;

  before(async () => {
    const server = await testBucket();
    proxy = await startProxy({ host: '127.0.0.1', port: server.port });
    built = await buildTestApp({ S3_ENDPOINT: throughProxy(server.url, proxy) });
  });
  after(() => proxy.close());

  test('signing still works, a confirm answers 503 with Retry-After, and the same confirm works once it is back', async () => {
    const who = await participant(built.app);
    proxy.cut();
    // Signing is arithmetic with the secret key: it needs no network, so an outage cannot stop it.
    const upload = await signed(who, 'image/png');
    assert.equal((await who.client.get('/me')).status, 200);
    assert.equal((await who.client.get('/me/photo')).status, 200);
    const health = await who.client.get('/healthz');
    assert.equal(health.status, 503);
    assert.equal(health.body.checks.storage, 'down');

    proxy.restore();
    assert.equal((await sendToBucket(upload, png(2, 2), { type: 'image/png' })).status, 204);
    proxy.cut();
    const during = await confirm(who, upload.id);
    assert.equal(during.status, 503);
    assert.equal(during.headers['retry-after'], '30');
    assert.match(during.body.error.message, /file storage is not answering/);
    assert.ok(built.logs.some((line) => line.msg === 'backing service unavailable'));

    proxy.restore();
    const afterwards = await confirm(who, upload.id).expect(200);
    assert.equal(afterwards.body.photo.type, 'image/png');
  });
});

describe('startup', () => {
  test('a bucket that is not there, or a server that does not answer, stops web with exit 1 and says what to check', async () => {
    const server = await testBucket();
    const env = await webTestEnv();
    const closed = await freePort();
    for (const [override, expected] of [
      [
        { S3_BUCKET: 'no-such-bucket' },
        /cannot use the bucket "no-such-bucket" at http:\/\/127\.0\.0\.1:\d+: no such bucket/,
      ],
      [
        { S3_ENDPOINT: `http://127.0.0.1:${closed}` },
        new RegExp(`cannot use the bucket "${server.bucket}" at http://127\\.0\\.0\\.1:${closed}`),
      ],
    ] as const) {
      const child = start(['src/server.ts'], {
        ...env,
        PORT: String(await freePort()),
        ...override,
      });
      const { code } = await withTimeout(child.exited, 20_000, 'exit');
      assert.equal(code, 1, child.output());
      assert.match(child.output(), expected);
      assert.match(child.output(), /Check S3_BUCKET, AWS_REGION and the AWS_\* keys/);
    }
  });
});
