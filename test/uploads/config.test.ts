// The bucket's part of the config: our variables or the Bucketeer add-on's, and every problem at once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { s3Config } from '../../src/platform/s3.config.ts';

const s3 = (env: Record<string, string>) => loadConfig(env, { s3: s3Config }).s3;
const own = {
  S3_BUCKET: 'contest-photos',
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIAOWN',
  AWS_SECRET_ACCESS_KEY: 'own-secret',
};

test('a bucket on AWS: browsers reach it at its own host name, over HTTPS', () => {
  const settings = s3(own);
  assert.equal(settings.bucket, 'contest-photos');
  assert.equal(settings.region, 'eu-west-1');
  assert.equal(settings.endpoint, undefined);
  assert.equal(settings.origin, 'https://contest-photos.s3.eu-west-1.amazonaws.com');
  assert.deepEqual(settings.credentials, { accessKeyId: 'AKIAOWN', secretAccessKey: 'own-secret' });
});

test('the Bucketeer add-on’s four variables configure the same, and our own names win', () => {
  const bucketeer = {
    BUCKETEER_BUCKET_NAME: 'bucketeer-0a1b2c',
    BUCKETEER_AWS_REGION: 'us-east-1',
    BUCKETEER_AWS_ACCESS_KEY_ID: 'AKIABUCKETEER',
    BUCKETEER_AWS_SECRET_ACCESS_KEY: 'bucketeer-secret',
  };
  const settings = s3(bucketeer);
  assert.equal(settings.bucket, 'bucketeer-0a1b2c');
  assert.equal(settings.origin, 'https://bucketeer-0a1b2c.s3.us-east-1.amazonaws.com');
  assert.equal(settings.credentials.accessKeyId, 'AKIABUCKETEER');
  assert.equal(s3({ ...bucketeer, S3_BUCKET: 'mine-instead' }).bucket, 'mine-instead');
});

test('an S3-compatible endpoint is the origin browsers use', () => {
  const settings = s3({ ...own, S3_ENDPOINT: 'http://127.0.0.1:4568/' });
  assert.equal(settings.endpoint, 'http://127.0.0.1:4568');
  assert.equal(settings.origin, 'http://127.0.0.1:4568');
});

test('nothing set: every variable is named, with what to do', () => {
  assert.throws(
    () => s3({}),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(
        err.problems.map((p) => p.split(':')[0]),
        ['S3_BUCKET', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'],
      );
      assert.match(
        err.problems[0]!,
        /`npm run dev` starts a local S3 server for you; on Heroku, add the Bucketeer add-on/,
      );
      return true;
    },
  );
});

test('malformed values are refused with the shape expected', () => {
  assert.throws(
    () => s3({ ...own, S3_BUCKET: 'Photos_2026' }),
    /S3_BUCKET: expected a bucket name/,
  );
  assert.throws(
    () => s3({ ...own, S3_BUCKET: 'with.dots.in.it' }),
    /S3_BUCKET: expected a bucket name/,
  );
  assert.throws(
    () => s3({ ...own, AWS_REGION: 'Europe' }),
    /AWS_REGION: expected a region such as eu-west-1/,
  );
  assert.throws(
    () => s3({ ...own, S3_ENDPOINT: 'ftp://files' }),
    /S3_ENDPOINT: expected the address/,
  );
});
