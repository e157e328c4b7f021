// The maintenance and error pages that Heroku's router shows (MAINTENANCE_PAGE_URL, ERROR_PAGE_URL),
// published to a public bucket of their own under names that change with their content.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  HeadObjectCommand,
  PutObjectCommand,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';

// Why a bucket apart from the photos' one:
// - the router shows these pages inside a frame to anyone, so they must be readable without signing;
//   opening the photo bucket to public reads, even for one prefix, is one policy mistake away from
//   exposing participants' photos;
// - a presigned GET link expires in at most 7 days, so it cannot sit in a config var;
// - the app cannot serve them itself: they are shown when the app is down or in maintenance.

/** Where the deploy tool finds the pages bucket: the `pages` entry of deploy/environments.json. */
export interface PagesSettings {
  bucket: string;
  region: string;
  /** The bucket's public address; `https://BUCKET.s3.REGION.amazonaws.com` when not given. */
  publicBaseUrl?: string;
}

export interface PageUrls {
  MAINTENANCE_PAGE_URL: string;
  ERROR_PAGE_URL: string;
}

export interface PublishOptions {
  client: S3Client;
  bucket: string;
  publicBaseUrl: string;
  /** The folder with maintenance.html and error.html (public/platform). */
  dir: string;
}

/** Under this prefix only: the one the bucket policy opens to public reads. */
export const PAGES_PREFIX = 'platform/';

const PAGES: ReadonlyArray<[keyof PageUrls, string]> = [
  ['MAINTENANCE_PAGE_URL', 'maintenance'],
  ['ERROR_PAGE_URL', 'error'],
];

// A name never holds two contents, so a browser or CDN may keep a page for good.
const CACHE_CONTROL = 'public, max-age=31536000, immutable';
const CONTENT_TYPE = 'text/html; charset=utf-8';

export function defaultPublicBaseUrl({ bucket, region }: PagesSettings): string {
  return `https://${bucket}.s3.${region}.amazonaws.com`;
}

/** `platform/maintenance-<first 12 hex digits of the content's SHA-256>.html`. */
export function pageKey(name: string, content: Uint8Array): string {
  const hash = createHash('sha256').update(content).digest('hex').slice(0, 12);
  return `${PAGES_PREFIX}${name}-${hash}.html`;
}

/** Uploads each page unless its content-named object is already there; returns the pages' URLs. */
export async function publishPages({
  client,
  bucket,
  publicBaseUrl,
  dir,
}: PublishOptions): Promise<PageUrls> {
  const base = publicBaseUrl.replace(/\/+$/, '');
  const urls: Partial<PageUrls> = {};
  for (const [variable, name] of PAGES) {
    const file = path.join(dir, `${name}.html`);
    const content = await readFile(file);
    const key = pageKey(name, content);
    if (!(await exists(client, bucket, key))) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: content,
          ContentType: CONTENT_TYPE,
          CacheControl: CACHE_CONTROL,
        }),
      );
    }
    urls[variable] = `${base}/${key.split('/').map(encodeURIComponent).join('/')}`;
  }
  const { MAINTENANCE_PAGE_URL, ERROR_PAGE_URL } = urls;
  if (MAINTENANCE_PAGE_URL === undefined || ERROR_PAGE_URL === undefined) {
    throw new Error('publishPages: a page has no URL');
  }
  return { MAINTENANCE_PAGE_URL, ERROR_PAGE_URL };
}

async function exists(client: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (err) {
    if (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404) return false;
    throw err;
  }
}

/**
 * The variables whose value differs from the app's, for `heroku config:set`: each config change makes
 * a new release (and runs the release phase), so an unchanged page must not make one.
 */
export function pagesConfigChanges(
  current: Readonly<Record<string, string>>,
  wanted: PageUrls,
): Partial<PageUrls> {
  const changes: Partial<PageUrls> = {};
  for (const [name, value] of Object.entries(wanted) as Array<[keyof PageUrls, string]>) {
    if (current[name] !== value) changes[name] = value;
  }
  return changes;
}

/**
 * The pages bucket's policy, set once by a person (never by the deploy tool): anyone may read the
 * pages, and nothing else. S3 applies it only if the bucket's Block Public Access settings allow a
 * public bucket policy (BlockPublicPolicy and RestrictPublicBuckets off; the two ACL settings stay on).
 */
export function pagesBucketPolicy(bucket: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'PublicReadPlatformPages',
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:GetObject',
        Resource: `arn:aws:s3:::${bucket}/${PAGES_PREFIX}*`,
      },
    ],
  };
}

/** What a person runs, once, to make the pages bucket public for the pages only: for the guide to print. */
export function pagesBucketSetup({ bucket, region }: PagesSettings): string[] {
  return [
    // us-east-1 is the one region that takes no LocationConstraint.
    `aws s3api create-bucket --bucket ${bucket} --region ${region}` +
      (region === 'us-east-1' ? '' : ` --create-bucket-configuration LocationConstraint=${region}`),
    `aws s3api put-public-access-block --bucket ${bucket} --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=false,RestrictPublicBuckets=false`,
    `aws s3api put-bucket-policy --bucket ${bucket} --policy '${JSON.stringify(pagesBucketPolicy(bucket))}'`,
  ];
}
