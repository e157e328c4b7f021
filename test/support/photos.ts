// Drives photo uploads like the page does: sign up, ask for a signed upload, send the file straight to
// the bucket, confirm. Also looks into the bucket, and writes into it past the policy, as a test must.
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Server } from 'node:http';
import type { Express } from 'express';
import type { LocalS3 } from '../../scripts/dev/index.ts';
import { onCleanup } from './cleanup.ts';
import { agent, signUp, type Agent } from './forms.ts';

export interface Participant {
  client: Agent;
  email: string;
  /** The token the photo form gives the page's script. */
  csrf: string;
}

export interface SignedUpload {
  id: string;
  url: string;
  fields: Record<string, string>;
}

let count = 0;

/** A new participant, signed up and on the page that changes their photo. */
export async function participant(
  app: Express | Server,
  name = `p${++count}`,
): Promise<Participant> {
  const client = agent(app);
  const email = `${name}-${count}@example.com`;
  const signup = await signUp(client, {
    email,
    displayName: name,
    password: `${name} has a long password`,
  });
  if (signup.status !== 303) throw new Error(`sign up answered ${signup.status}`);
  const photoPage = await client.get('/me/photo').expect(200);
  const csrf = /data-csrf="([^"]+)"/.exec(photoPage.text)?.[1];
  if (!csrf) throw new Error('no photo form on /me/photo');
  return { client, email, csrf };
}

/** What the page's script does first: ask for an upload signed for the file's type. */
export function presign(who: Participant, type: string) {
  return who.client
    .post('/me/photo/uploads')
    .set('Accept', 'application/json')
    .set('X-CSRF-Token', who.csrf)
    .type('form')
    .send({ type });
}

export async function signed(who: Participant, type: string): Promise<SignedUpload> {
  const answer = await presign(who, type);
  if (answer.status !== 201) throw new Error(`presign answered ${answer.status}: ${answer.text}`);
  return answer.body as SignedUpload;
}

/** What the page's script does last: ask the app to check the upload and keep it. */
export function confirm(who: Participant, id: string) {
  return who.client
    .post('/me/photo/confirm')
    .set('Accept', 'application/json')
    .set('X-CSRF-Token', who.csrf)
    .type('form')
    .send({ upload: id });
}

/** The plain form of the photo page (no script): where it posts, and its signed fields. */
export async function pageForm(who: Participant): Promise<SignedUpload> {
  const photoPage = await who.client.get('/me/photo').expect(200);
  const form = /<form\s[^>]*data-photo-upload[^>]*>([\s\S]*?)<\/form>/.exec(photoPage.text);
  const url = /action="([^"]+)"/.exec(form?.[0] ?? '')?.[1];
  if (!form || !url) throw new Error('no photo form on /me/photo');
  const fields: Record<string, string> = {};
  for (const [, name, value] of form[1]!.matchAll(
    /type="hidden" name="([^"]+)" value="([^"]*)"/g,
  )) {
    fields[name!] = value!.replaceAll('&amp;', '&').replaceAll('&quot;', '"');
  }
  const key = fields.key ?? '';
  return { id: key.split('/').at(-1) ?? '', url, fields };
}

/** Posts a file to the bucket as a browser would, straight from the page; S3's answer, unfollowed. */
export function sendToBucket(
  upload: Pick<SignedUpload, 'url' | 'fields'>,
  file: Buffer,
  options: { type?: string; fields?: Record<string, string>; filename?: string } = {},
): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...upload.fields, ...options.fields })) {
    form.append(name, value);
  }
  const blob = new Blob([new Uint8Array(file)], {
    type: options.type ?? 'application/octet-stream',
  });
  form.append('file', blob, options.filename ?? 'photo');
  return fetch(upload.url, { method: 'POST', body: form, redirect: 'manual' });
}

/** A client of the test's bucket that bypasses the policy: the test plays a storage that checks nothing. */
export function bucketClient(
  bucket: Pick<LocalS3, 'url' | 'bucket' | 'region' | 'accessKeyId' | 'secretAccessKey'>,
) {
  const client = new S3Client({
    region: bucket.region,
    endpoint: bucket.url,
    forcePathStyle: true,
    credentials: { accessKeyId: bucket.accessKeyId, secretAccessKey: bucket.secretAccessKey },
    // s3rver stores the SDK's chunked checksum encoding as if it were the body: send plain bodies.
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  onCleanup(() => Promise.resolve(client.destroy()));
  return {
    async keys(prefix = ''): Promise<string[]> {
      const listed = await client.send(
        new ListObjectsV2Command({ Bucket: bucket.bucket, Prefix: prefix }),
      );
      return (listed.Contents ?? []).map((object) => object.Key ?? '').sort();
    },
    async put(
      key: string,
      body: Buffer,
      contentType: string,
      metadata: Record<string, string> = {},
    ): Promise<void> {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          Metadata: metadata,
        }),
      );
    },
  };
}
