// The bucket's stand-in for `npm run dev`: started only when no bucket is configured, its files in
// .data/s3 across restarts, and a CORS rule that lets the app's own pages upload and no others.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { s3, standInsNeeded, type StartedStandIn, startLocalS3 } from '../../scripts/dev/index.ts';
import { png } from '../support/images.ts';
import { bucketClient, sendToBucket } from '../support/photos.ts';

test('no stand-in when a bucket, an endpoint or the Bucketeer add-on is configured', () => {
  assert.deepEqual(standInsNeeded([s3], {}), [s3]);
  assert.deepEqual(standInsNeeded([s3], { S3_BUCKET: 'my-bucket' }), []);
  assert.deepEqual(standInsNeeded([s3], { S3_ENDPOINT: 'http://127.0.0.1:9000' }), []);
  assert.deepEqual(standInsNeeded([s3], { BUCKETEER_BUCKET_NAME: 'bucketeer-1' }), []);
});

describe('the local S3 server', () => {
  let root: string;
  let started: StartedStandIn;
  const start = () => s3.start({ root, dataDir: path.join(root, '.data'), env: { PORT: '3456' } });

  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'campaign-dev-s3-'));
    started = await start();
  });
  after(async () => {
    await started.stop();
    await rm(root, { recursive: true, force: true });
  });

  test('hands the app the variables a real bucket would set, and says where the files are', () => {
    assert.match(started.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(Object.keys(started.env ?? {}).sort(), [
      'AWS_ACCESS_KEY_ID',
      'AWS_REGION',
      'AWS_SECRET_ACCESS_KEY',
      'S3_BUCKET',
      'S3_ENDPOINT',
    ]);
    assert.equal(started.env?.S3_ENDPOINT, started.url);
    assert.match(started.info ?? '', /bucket "campaign-uploads", files in \.data\/s3/);
  });

  test('its CORS rule lets the app’s pages upload, and refuses a page from elsewhere', async () => {
    const preflight = (origin: string) =>
      fetch(`${started.url}/campaign-uploads`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' },
      });
    for (const origin of ['http://localhost:3456', 'http://127.0.0.1:3456']) {
      const answer = await preflight(origin);
      assert.equal(answer.status, 200, origin);
      assert.ok(answer.headers.get('access-control-allow-origin'), origin);
    }
    const elsewhere = await preflight('http://elsewhere.example');
    assert.equal(elsewhere.status, 403);
    assert.equal(elsewhere.headers.get('access-control-allow-origin'), null);
  });

  test('keeps what was uploaded in .data/s3, across a restart', async () => {
    const env = started.env!;
    const { S3Client } = await import('@aws-sdk/client-s3');
    const { createPresignedPost } = await import('@aws-sdk/s3-presigned-post');
    const client = new S3Client({
      region: env.AWS_REGION!,
      endpoint: env.S3_ENDPOINT!,
      forcePathStyle: true,
      credentials: {
        accessKeyId: env.AWS_ACCESS_KEY_ID!,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY!,
      },
    });
    const post = await createPresignedPost(client, {
      Bucket: env.S3_BUCKET!,
      Key: 'pending/1/kept',
      Expires: 60,
    });
    client.destroy();
    assert.equal((await sendToBucket(post, png(2, 2))).status, 204);
    assert.ok(existsSync(path.join(root, '.data/s3', env.S3_BUCKET!)));
    assert.ok(
      (await readdir(path.join(root, '.data/s3', env.S3_BUCKET!), { recursive: true })).length > 0,
    );

    await started.stop();
    started = await start();
    const bucket = bucketClient({
      url: started.url,
      bucket: env.S3_BUCKET!,
      region: env.AWS_REGION!,
      accessKeyId: env.AWS_ACCESS_KEY_ID!,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY!,
    });
    assert.deepEqual(await bucket.keys('pending/'), ['pending/1/kept']);
  });
});

test('a port already taken is refused, and nothing is left listening to keep the process up', async () => {
  const taken = createServer().listen(0, '127.0.0.1');
  await once(taken, 'listening');
  const directory = await mkdtemp(path.join(tmpdir(), 'campaign-dev-s3-taken-'));
  const servers = () =>
    process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
  const before = servers();
  try {
    await assert.rejects(
      startLocalS3({ directory, allowedOrigins: [], port: (taken.address() as AddressInfo).port }),
      { code: 'EADDRINUSE' },
    );
    // Handles go once their close has run: give it a moment, not a fixed sleep.
    for (let i = 0; i < 50 && servers() > before; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(servers(), before);
  } finally {
    taken.close();
    await rm(directory, { recursive: true, force: true });
  }
});
