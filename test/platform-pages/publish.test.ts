// Publishing the router's maintenance and error pages to the local S3 server: content-named objects,
// served as HTML for good, uploaded once, readable without signing; and the config that names them.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  pageKey,
  pagesBucketPolicy,
  pagesBucketSetup,
  pagesConfigChanges,
  publishPages,
} from '../../scripts/deploy/pages.ts';
import type { LocalS3 } from '../../scripts/dev/index.ts';
import { onCleanup } from '../support/cleanup.ts';
import { startTestBucket } from '../support/bucket.ts';

const PAGES_DIR = path.resolve(import.meta.dirname, '../../public/platform');
const BUCKET = 'campaign-platform-pages';

describe('publishing the platform pages', () => {
  let server: LocalS3;
  let client: S3Client;
  let puts: string[];
  let publicBaseUrl: string;

  const publish = (dir = PAGES_DIR) => publishPages({ client, bucket: BUCKET, publicBaseUrl, dir });
  const head = (key: string) => client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
  const keyOf = (url: string) => url.slice(publicBaseUrl.length + 1);

  before(async () => {
    server = await startTestBucket();
    client = new S3Client({
      region: server.region,
      endpoint: server.url,
      forcePathStyle: true,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
    onCleanup(() => client.destroy());
    // A bucket of its own, apart from the photos' one that the server starts with.
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    puts = [];
    client.middlewareStack.add(
      (next, context) => (args) => {
        if (context.commandName === 'PutObjectCommand') {
          puts.push(String((args.input as { Key?: string }).Key));
        }
        return next(args);
      },
      { step: 'initialize', name: 'recordPuts' },
    );
    publicBaseUrl = `${server.url}/${BUCKET}`;
  });

  test('uploads both pages under content-hashed names and returns their URLs', async () => {
    const urls = await publish();
    const maintenance = await readFile(path.join(PAGES_DIR, 'maintenance.html'));
    const error = await readFile(path.join(PAGES_DIR, 'error.html'));
    assert.equal(
      urls.MAINTENANCE_PAGE_URL,
      `${publicBaseUrl}/${pageKey('maintenance', maintenance)}`,
    );
    assert.equal(urls.ERROR_PAGE_URL, `${publicBaseUrl}/${pageKey('error', error)}`);
    assert.match(keyOf(urls.MAINTENANCE_PAGE_URL), /^platform\/maintenance-[0-9a-f]{12}\.html$/);
    assert.match(keyOf(urls.ERROR_PAGE_URL), /^platform\/error-[0-9a-f]{12}\.html$/);
    assert.deepEqual(
      puts.sort(),
      [keyOf(urls.ERROR_PAGE_URL), keyOf(urls.MAINTENANCE_PAGE_URL)].sort(),
    );

    const stored = await client.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: keyOf(urls.MAINTENANCE_PAGE_URL) }),
    );
    assert.equal(await stored.Body?.transformToString(), maintenance.toString('utf8'));
  });

  test('serves them as UTF-8 HTML that may be cached for good', async () => {
    const urls = await publish();
    for (const url of Object.values(urls)) {
      const object = await head(keyOf(url));
      assert.equal(object.ContentType, 'text/html; charset=utf-8');
      assert.equal(object.CacheControl, 'public, max-age=31536000, immutable');
    }
  });

  test('a second publish of the same pages uploads nothing', async () => {
    await publish();
    puts.length = 0;
    const again = await publish();
    assert.deepEqual(puts, []);
    assert.ok(await head(keyOf(again.ERROR_PAGE_URL)));
  });

  test('a changed page gets a new name; the old one stays for the app that still points at it', async () => {
    const before = await publish();
    const dir = await mkdtemp(path.join(tmpdir(), 'campaign-pages-'));
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    await cp(PAGES_DIR, dir, { recursive: true });
    const file = path.join(dir, 'maintenance.html');
    await writeFile(
      file,
      (await readFile(file, 'utf8')).replace('</main>', '<p>Changed.</p></main>'),
    );
    puts.length = 0;
    const after = await publish(dir);
    assert.notEqual(after.MAINTENANCE_PAGE_URL, before.MAINTENANCE_PAGE_URL);
    assert.equal(after.ERROR_PAGE_URL, before.ERROR_PAGE_URL);
    assert.deepEqual(puts, [keyOf(after.MAINTENANCE_PAGE_URL)]);
    assert.ok(await head(keyOf(before.MAINTENANCE_PAGE_URL)));
    const listed = await client.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'platform/' }),
    );
    assert.equal(listed.KeyCount, 3);
  });

  test('the page is fetched by its URL without any signature, as the router fetches it', async () => {
    const urls = await publish();
    const answer = await fetch(urls.MAINTENANCE_PAGE_URL);
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get('content-type') ?? '', /^text\/html; charset=utf-8$/);
    assert.match(await answer.text(), /<title>Back in a few minutes<\/title>/);
  });
});

describe('the config that names the pages', () => {
  const wanted = {
    MAINTENANCE_PAGE_URL: 'https://pages.example/platform/maintenance-0123456789ab.html',
    ERROR_PAGE_URL: 'https://pages.example/platform/error-ba9876543210.html',
  };

  test('changes nothing when the app has both already, so no release is made', () => {
    assert.deepEqual(pagesConfigChanges({ ...wanted, OTHER: 'x' }, wanted), {});
  });

  test('changes only the variable whose page changed, or that the app lacks', () => {
    assert.deepEqual(
      pagesConfigChanges(
        { MAINTENANCE_PAGE_URL: 'https://pages.example/platform/maintenance-old.html' },
        wanted,
      ),
      wanted,
    );
    assert.deepEqual(
      pagesConfigChanges({ ...wanted, ERROR_PAGE_URL: 'https://old.example/e.html' }, wanted),
      {
        ERROR_PAGE_URL: wanted.ERROR_PAGE_URL,
      },
    );
  });
});

describe("the pages bucket's one-time setup", () => {
  test('the policy lets anyone read the pages prefix, and nothing else', () => {
    assert.deepEqual(pagesBucketPolicy('ck-pages'), {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'PublicReadPlatformPages',
          Effect: 'Allow',
          Principal: '*',
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::ck-pages/platform/*',
        },
      ],
    });
  });

  test('the commands allow a public bucket policy but keep ACLs blocked', () => {
    const commands = pagesBucketSetup({ bucket: 'ck-pages', region: 'eu-west-1' }).join('\n');
    assert.match(
      commands,
      /BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=false,RestrictPublicBuckets=false/,
    );
    assert.match(
      commands,
      /put-bucket-policy --bucket ck-pages --policy '\{.*arn:aws:s3:::ck-pages\/platform\/\*/,
    );
    assert.match(commands, /LocationConstraint=eu-west-1/);
    assert.doesNotMatch(
      pagesBucketSetup({ bucket: 'ck-pages', region: 'us-east-1' }).join('\n'),
      /LocationConstraint/,
    );
  });
});
