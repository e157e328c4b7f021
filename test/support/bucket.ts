// A local S3 server for one test file: the same server `npm run dev` starts, with its policy gate,
// its objects in a temporary folder that is removed when the file ends.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type LocalS3, startLocalS3 } from '../../scripts/dev/index.ts';
import { onCleanup } from './cleanup.ts';

/** How far the buckets' clock runs ahead of the real one: a test moves it to expire a policy. */
export const bucketClock = { aheadMs: 0 };

/** Starts a server whose CORS rule lets `allowedOrigins` (a browser test's site) use the bucket. */
export async function startTestBucket(allowedOrigins: readonly string[] = []): Promise<LocalS3> {
  const directory = await mkdtemp(path.join(tmpdir(), 'campaign-s3-'));
  const server = await startLocalS3({
    directory,
    allowedOrigins,
    now: () => Date.now() + bucketClock.aheadMs,
  });
  onCleanup(async () => {
    await server.stop();
    await rm(directory, { recursive: true, force: true });
  });
  return server;
}

let bucket: Promise<LocalS3> | undefined;

/** The test file's bucket, started on first use. */
export function testBucket(): Promise<LocalS3> {
  bucket ??= startTestBucket();
  return bucket;
}
