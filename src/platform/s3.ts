// The bucket (S3 or an S3-compatible service): signing what browsers may do with it, the few calls the
// app makes itself, its health check, and how an outage is recognised.
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { SettingsOf } from '../config.ts';
import type { BackingServices } from './backing-services.ts';
import type { s3Config } from './s3.config.ts';
import { StartupError } from './startup.ts';

export type S3Settings = SettingsOf<typeof s3Config>;

export interface UploadPolicy {
  /** The one key the browser may write. */
  readonly key: string;
  readonly maxBytes: number;
  readonly expiresInSeconds: number;
  /** The exact Content-Type the browser must declare; without it the upload carries none. */
  readonly contentType?: string;
  /** Where S3 sends the browser back after a plain form upload. */
  readonly redirectTo?: string;
}

export interface PresignedPost {
  readonly url: string;
  readonly fields: Readonly<Record<string, string>>;
}

export interface StoredObject {
  readonly size: number;
  readonly contentType: string | undefined;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface Bucket {
  readonly name: string;
  /** A form post that may write exactly one key, under the given limits. */
  presignPost(policy: UploadPolicy): Promise<PresignedPost>;
  /** A short-lived link to read one object, served with the given type whatever the object says. */
  presignGet(key: string, contentType: string, expiresInSeconds: number): Promise<string>;
  /** The object's size and type, or undefined when there is none. */
  head(key: string): Promise<StoredObject | undefined>;
  /** The first `count` bytes of the object. */
  firstBytes(key: string, count: number): Promise<Uint8Array>;
  /** Copies inside the bucket (S3 moves no bytes through the app), setting the copy's type. */
  copy(from: string, to: string, contentType: string): Promise<void>;
  /** Deletes the object; deleting one that is not there is not an error. */
  delete(key: string): Promise<void>;
}

// Errors from the network, not from S3's answer.
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/**
 * The bucket's service is away or overloaded, so a retry later can work. The SDK's error is kept as
 * `reason` rather than `cause`: its network code (ECONNREFUSED…) must not pass for another service's.
 */
export class S3UnavailableError extends Error {
  readonly reason: unknown;

  constructor(reason: unknown) {
    super(
      `the bucket is not answering: ${reason instanceof Error ? reason.message || reason.name : String(reason)}`,
    );
    this.name = 'S3UnavailableError';
    this.reason = reason;
  }
}

/** True when `err` means the bucket's service is away or overloaded, so a retry later can work. */
export function isS3Unavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'TimeoutError' || NETWORK.has((err as NodeJS.ErrnoException).code ?? '')) {
    return true;
  }
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
}

/** Opens the client and registers the bucket with the process's backing services. */
export function openBucket(settings: S3Settings, services: BackingServices): Bucket {
  const client = new S3Client({
    region: settings.region,
    // A copy: the config is frozen, and the SDK notes on the object where it came from.
    credentials: { ...settings.credentials },
    ...(settings.endpoint ? { endpoint: settings.endpoint, forcePathStyle: true } : {}),
    // A visitor is waiting: two tries, each given seconds rather than the SDK's open-ended default.
    maxAttempts: 2,
    // Checksums only where S3 requires them: presigned links then carry no checksum parameters, and the
    // app reads no whole object whose checksum it could check.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: 3000, requestTimeout: 10_000 },
  });
  const bucket = createBucket(client, settings.bucket);
  services.add({
    name: 'storage',
    check: async () => {
      await client.send(new HeadBucketCommand({ Bucket: settings.bucket }));
    },
    unreachable: (err) => unreachable(settings, err),
    describeOutage: (err) =>
      err instanceof S3UnavailableError
        ? 'Our file storage is not answering right now. Please try again in a minute.'
        : undefined,
    close: () => {
      client.destroy();
      return Promise.resolve();
    },
  });
  return bucket;
}

function createBucket(sdk: S3Client, name: string): Bucket {
  const notFound = (err: unknown) =>
    err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404;
  // Every call the app makes: an outage becomes an S3UnavailableError, anything else stays as it is.
  const call = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      throw isS3Unavailable(err) ? new S3UnavailableError(err) : err;
    }
  };
  return {
    name,
    async presignPost({ key, maxBytes, expiresInSeconds, contentType, redirectTo }) {
      const fields: Record<string, string> = {};
      const conditions: NonNullable<Parameters<typeof createPresignedPost>[1]['Conditions']> = [
        ['content-length-range', 1, maxBytes],
      ];
      if (contentType) fields['Content-Type'] = contentType;
      if (redirectTo) fields.success_action_redirect = redirectTo;
      // Each field becomes an exact condition of the signed policy, the key included.
      return createPresignedPost(sdk, {
        Bucket: name,
        Key: key,
        Fields: fields,
        Conditions: conditions,
        Expires: expiresInSeconds,
      });
    },
    presignGet: (key, contentType, expiresInSeconds) =>
      getSignedUrl(
        sdk,
        new GetObjectCommand({ Bucket: name, Key: key, ResponseContentType: contentType }),
        { expiresIn: expiresInSeconds },
      ),
    async head(key) {
      try {
        const answer = await call(() =>
          sdk.send(new HeadObjectCommand({ Bucket: name, Key: key })),
        );
        return {
          size: answer.ContentLength ?? 0,
          contentType: answer.ContentType,
          metadata: answer.Metadata ?? {},
        };
      } catch (err) {
        if (notFound(err)) return undefined;
        throw err;
      }
    },
    async firstBytes(key, count) {
      const bytes = await call(async () => {
        const answer = await sdk.send(
          new GetObjectCommand({ Bucket: name, Key: key, Range: `bytes=0-${count - 1}` }),
        );
        return (await answer.Body?.transformToByteArray()) ?? new Uint8Array();
      });
      // A server that ignores Range sends everything: keep what was asked for.
      return bytes.subarray(0, count);
    },
    async copy(from, to, contentType) {
      await call(() =>
        sdk.send(
          new CopyObjectCommand({
            Bucket: name,
            Key: to,
            CopySource: `${name}/${from.split('/').map(encodeURIComponent).join('/')}`,
            ContentType: contentType,
            MetadataDirective: 'REPLACE',
          }),
        ),
      );
    },
    async delete(key) {
      await call(() => sdk.send(new DeleteObjectCommand({ Bucket: name, Key: key })));
    },
  };
}

function unreachable(settings: S3Settings, err: unknown): StartupError {
  const where = settings.endpoint ?? `region ${settings.region}`;
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const reason =
    status === 404
      ? 'no such bucket'
      : status === 403
        ? 'access denied (check the access key and its policy)'
        : status === 301
          ? `the bucket is in another region than ${settings.region}`
          : err instanceof Error
            ? err.message || err.name
            : String(err);
  return new StartupError(
    `cannot use the bucket "${settings.bucket}" at ${where}: ${reason}`,
    'Check S3_BUCKET, AWS_REGION and the AWS_* keys (heroku config), or run `npm run dev`, which starts a local S3 server.',
  );
}
