// Bad uploads, against the real local S3 server: each ends with a 4xx and a clear message, no photo
// attached, and no object of that participant left in the bucket. Where the bucket refuses a file
// itself, the test also writes it past the policy, as a storage that checks nothing would keep it,
// to show that the app's own checks refuse it too.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Response as HttpAnswer } from 'supertest';
import { buildTestApp } from '../support/app.ts';
import { bucketClock, testBucket } from '../support/bucket.ts';
import { agent, tokenIn } from '../support/forms.ts';
import { png, PNG_SIGNATURE } from '../support/images.ts';
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

type Built = Awaited<ReturnType<typeof buildTestApp>>;

interface Case {
  name: string;
  status: number;
  message: RegExp;
  /** What the bucket answers the browser's upload, when the case sends one. */
  bucketSays?: RegExp;
  /** The case keeps an earlier photo (a replay): it must still be there, and only it. */
  keepsPhoto?: boolean;
  run(who: Participant, ctx: Context): Promise<HttpAnswer>;
}

interface Context {
  built: Built;
  bucket: ReturnType<typeof bucketClient>;
  /** The bucket's answer to the upload, for `bucketSays`. */
  uploaded?: { status: number; text: string } | undefined;
}

const MB = 1024 * 1024;
const text = (s: string) => Buffer.from(s, 'utf8');
const html = text('<!doctype html><script>alert(document.cookie)</script>');
const svg = text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');

/** Signs for `type`, uploads `file` as a browser would (the bucket checks the policy), confirms. */
async function throughBucket(
  who: Participant,
  ctx: Context,
  type: string,
  file: Buffer,
  fields?: Record<string, string>,
): Promise<HttpAnswer> {
  const upload = await signed(who, type);
  const answer = await sendToBucket(upload, file, { type, ...(fields ? { fields } : {}) });
  ctx.uploaded = { status: answer.status, text: await answer.text() };
  return confirm(who, upload.id);
}

/** Signs for `type`, writes `file` past the policy (a storage that checks nothing), confirms. */
async function pastThePolicy(
  who: Participant,
  ctx: Context,
  type: string,
  file: Buffer,
  stored: { contentType?: string; metadata?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  const upload = await signed(who, type);
  await ctx.bucket.put(upload.fields.key!, file, stored.contentType ?? type, stored.metadata);
  return confirm(who, upload.id);
}

/** The plain form of "my page", with S3's redirect followed back to the app as a browser does. */
async function throughPlainForm(who: Participant, ctx: Context, file: Buffer, type: string) {
  const form = await pageForm(who);
  const answer = await sendToBucket(form, file, { type });
  ctx.uploaded = { status: answer.status, text: await answer.text() };
  const back = new URL(answer.headers.get('location') ?? '/me/photo/confirm', 'http://x');
  return who.client.get(back.pathname + back.search).set('Accept', 'application/json');
}

const NOT_AN_IMAGE = /not a JPEG, PNG or WebP image.*Nothing was saved/;
const NOT_ARRIVED = /has not reached our storage\. Nothing was saved/;

const cases: Case[] = [
  {
    name: 'a 6 MB file: the bucket refuses it, so nothing arrives',
    status: 422,
    message: NOT_ARRIVED,
    bucketSays: /EntityTooLarge/,
    run: (who, ctx) => throughBucket(who, ctx, 'image/png', png(1450, 1450, 'noise')),
  },
  {
    name: 'a 6 MB file kept by a storage that checks nothing',
    status: 413,
    message: /at most 5 MB\. Nothing was saved/,
    run: (who, ctx) =>
      pastThePolicy(who, ctx, 'image/png', Buffer.concat([png(1, 1), Buffer.alloc(6 * MB)])),
  },
  {
    name: 'an empty file kept by a storage that checks nothing',
    status: 422,
    message: /empty\. Nothing was saved/,
    run: (who, ctx) => pastThePolicy(who, ctx, 'image/png', Buffer.alloc(0)),
  },
  {
    name: 'a text file declared as image/png',
    status: 415,
    message: NOT_AN_IMAGE,
    run: (who, ctx) => throughBucket(who, ctx, 'image/png', text('just some words\n')),
  },
  {
    name: 'an HTML page declared as image/png',
    status: 415,
    message: NOT_AN_IMAGE,
    run: (who, ctx) => throughBucket(who, ctx, 'image/png', html),
  },
  {
    name: 'an SVG: never signed',
    status: 415,
    message: /must be a JPEG, PNG or WebP image/,
    run: (who) => presign(who, 'image/svg+xml'),
  },
  {
    name: 'an SVG through the plain form, which declares no type',
    status: 415,
    message: NOT_AN_IMAGE,
    run: (who, ctx) => throughPlainForm(who, ctx, svg, 'image/svg+xml'),
  },
  {
    name: 'an HTML page through the plain form',
    status: 415,
    message: NOT_AN_IMAGE,
    run: (who, ctx) => throughPlainForm(who, ctx, html, 'image/png'),
  },
  {
    name: 'a polyglot: HTML first, a whole PNG after it',
    status: 415,
    message: NOT_AN_IMAGE,
    run: (who, ctx) => throughBucket(who, ctx, 'image/png', Buffer.concat([html, png(4, 4)])),
  },
  {
    name: 'the PNG signature a few bytes in',
    status: 415,
    message: NOT_AN_IMAGE,
    run: (who, ctx) =>
      throughBucket(
        who,
        ctx,
        'image/png',
        Buffer.concat([Buffer.from('  '), PNG_SIGNATURE, png(2, 2)]),
      ),
  },
  {
    name: 'a real PNG declared as image/jpeg',
    status: 415,
    message: NOT_AN_IMAGE,
    run: (who, ctx) => throughBucket(who, ctx, 'image/jpeg', png(4, 4)),
  },
  {
    name: 'a PNG stored as text/html by a storage that checks nothing',
    status: 415,
    message: /another type than the one signed for/,
    run: (who, ctx) =>
      pastThePolicy(who, ctx, 'image/png', png(2, 2), { contentType: 'text/html' }),
  },
  {
    name: 'a form field the policy does not name (x-amz-meta-…)',
    status: 422,
    message: NOT_ARRIVED,
    bucketSays: /Extra input fields: x-amz-meta-owner/,
    run: (who, ctx) =>
      throughBucket(who, ctx, 'image/png', png(2, 2), { 'x-amz-meta-owner': 'someone else' }),
  },
  {
    name: 'metadata kept by a storage that checks nothing',
    status: 400,
    message: /data we did not sign for/,
    run: (who, ctx) =>
      pastThePolicy(who, ctx, 'image/png', png(2, 2), { metadata: { owner: 'someone else' } }),
  },
  {
    name: 'another Content-Type than the signed one',
    status: 422,
    message: NOT_ARRIVED,
    bucketSays: /Policy Condition failed.*Content-Type/,
    run: (who, ctx) =>
      throughBucket(who, ctx, 'image/png', png(2, 2), { 'Content-Type': 'text/html' }),
  },
  {
    name: 'another key than the signed one (another user’s prefix)',
    status: 422,
    message: NOT_ARRIVED,
    bucketSays: /Policy Condition failed.*key/,
    run: (who, ctx) =>
      throughBucket(who, ctx, 'image/png', png(2, 2), { key: 'pending/1/not-mine' }),
  },
  {
    name: 'an altered policy: a larger size limit, not signed again',
    status: 422,
    message: NOT_ARRIVED,
    bucketSays: /SignatureDoesNotMatch/,
    run: async (who, ctx) => {
      const upload = await signed(who, 'image/png');
      const policy = Buffer.from(upload.fields.Policy!, 'base64')
        .toString()
        .replace('5242880', '52428800');
      const answer = await sendToBucket(upload, png(2, 2), {
        type: 'image/png',
        fields: { Policy: Buffer.from(policy).toString('base64') },
      });
      ctx.uploaded = { status: answer.status, text: await answer.text() };
      return confirm(who, upload.id);
    },
  },
  {
    name: 'an expired policy: the upload starts six minutes late',
    status: 422,
    message: NOT_ARRIVED,
    bucketSays: /Policy expired/,
    run: async (who, ctx) => {
      const upload = await signed(who, 'image/png');
      bucketClock.aheadMs = 6 * 60_000;
      try {
        const answer = await sendToBucket(upload, png(2, 2), { type: 'image/png' });
        ctx.uploaded = { status: answer.status, text: await answer.text() };
      } finally {
        bucketClock.aheadMs = 0;
      }
      return confirm(who, upload.id);
    },
  },
  {
    name: 'a confirm for a missing object',
    status: 422,
    message: NOT_ARRIVED,
    run: async (who) => confirm(who, (await signed(who, 'image/png')).id),
  },
  {
    name: 'a confirm for another participant’s upload',
    status: 404,
    message: /did not sign that upload for you/,
    run: async (who, ctx) => {
      const other = await participant(ctx.built.app);
      const theirs = await signed(other, 'image/png');
      await sendToBucket(theirs, png(2, 2), { type: 'image/png' });
      const answer = await confirm(who, theirs.id);
      // Theirs is untouched: it still becomes their photo.
      await confirm(other, theirs.id).expect(200);
      return answer;
    },
  },
  {
    name: 'S3’s redirect naming a key outside the participant’s prefix',
    status: 404,
    message: /did not sign that upload for you/,
    run: async (who) => {
      const upload = await signed(who, 'image/png');
      return who.client
        .get('/me/photo/confirm')
        .query({ upload: upload.id, key: 'pending/1/someone-else', bucket: 'campaign-uploads' })
        .set('Accept', 'application/json');
    },
  },
  {
    name: 'a malformed upload id',
    status: 404,
    message: /did not sign that upload for you/,
    run: (who) => confirm(who, "../../photos/1/x' or 1=1 --"),
  },
  {
    name: 'a confirm replayed after success',
    status: 409,
    message: /already been used/,
    keepsPhoto: true,
    run: async (who) => {
      const upload = await signed(who, 'image/png');
      await sendToBucket(upload, png(2, 2), { type: 'image/png' });
      await confirm(who, upload.id).expect(200);
      return confirm(who, upload.id);
    },
  },
  {
    name: 'a confirm again after a refusal',
    status: 410,
    message: /was refused/,
    run: async (who) => {
      const upload = await signed(who, 'image/png');
      await sendToBucket(upload, html, { type: 'image/png' });
      await confirm(who, upload.id).expect(415);
      return confirm(who, upload.id);
    },
  },
  {
    name: 'a confirm without CSRF token',
    status: 403,
    message: /did not come from this site/,
    run: async (who) => {
      const upload = await signed(who, 'image/png');
      return who.client
        .post('/me/photo/confirm')
        .set('Accept', 'application/json')
        .type('form')
        .send({ upload: upload.id });
    },
  },
  {
    name: 'a confirm without a session (a valid form token, but not logged in)',
    status: 401,
    message: /Log in to change your photo/,
    run: async (who, ctx) => {
      const upload = await signed(who, 'image/png');
      const stranger = agent(ctx.built.app);
      const token = tokenIn((await stranger.get('/login').expect(200)).text);
      return stranger
        .post('/me/photo/confirm')
        .set('Accept', 'application/json')
        .type('form')
        .send({ upload: upload.id, _csrf: token });
    },
  },
  {
    name: 'a signing request without CSRF token',
    status: 403,
    message: /did not come from this site/,
    run: (who) =>
      who.client
        .post('/me/photo/uploads')
        .set('Accept', 'application/json')
        .type('form')
        .send({ type: 'image/png' }),
  },
  {
    name: 'a signing request with no type',
    status: 415,
    message: /must be a JPEG, PNG or WebP image/,
    run: (who) => presign(who, ''),
  },
];

describe('bad uploads: a 4xx with a clear message, no photo, no object left', () => {
  let ctx: Context;

  before(async () => {
    const built = await buildTestApp();
    ctx = { built, bucket: bucketClient(await testBucket()) };
  });

  test(`the corpus has at least 15 cases (${cases.length})`, () => {
    assert.ok(cases.length >= 15);
  });

  for (const c of cases) {
    test(`${c.name} → ${c.status}`, async () => {
      const who = await participant(ctx.built.app);
      const { id: userId } = (await ctx.built.deps
        .db('users')
        .where({ email: who.email })
        .first()) as {
        id: string;
      };
      ctx.uploaded = undefined;
      const answer = await c.run(who, ctx);

      assert.equal(answer.status, c.status, answer.text);
      const message =
        (answer.body as { error?: { message?: string } }).error?.message ?? answer.text;
      assert.match(message, c.message);
      if (c.bucketSays) {
        // Set by the case's run; read through the type, which cannot know that.
        const uploaded = ctx.uploaded as Context['uploaded'];
        assert.ok(uploaded, 'the case sent the file to the bucket');
        assert.ok(uploaded.status >= 400, `the bucket answered ${uploaded.status}`);
        assert.match(uploaded.text, c.bucketSays);
      }

      const attached = await ctx.built.deps
        .db('photo_uploads')
        .where({ user_id: userId, status: 'attached' });
      assert.equal(attached.length, c.keepsPhoto ? 1 : 0, 'photos attached');
      assert.deepEqual(await ctx.bucket.keys(`pending/${userId}/`), [], 'pending objects left');
      const photos = await ctx.bucket.keys(`photos/${userId}/`);
      assert.equal(photos.length, c.keepsPhoto ? 1 : 0, `photo objects: ${photos.join(', ')}`);
    });
  }
});
