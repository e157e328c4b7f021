// The stand-in for a bucket: a local S3-compatible server, its files in .data/s3, open to the app's pages.
import path from 'node:path';
import { webPort } from '../env.ts';
import type { StandIn } from '../stand-ins.ts';

// One address between runs when it is free, so a page left open keeps uploading after a restart.
const PREFERRED_PORT = 4568;

export const s3: StandIn = {
  name: 's3',
  envVar: 'S3_ENDPOINT',
  // A bucket of your own, or the Bucketeer add-on's variables copied into .env, need no stand-in.
  alsoSetBy: ['S3_BUCKET', 'BUCKETEER_BUCKET_NAME'],
  async start({ root, dataDir, env }) {
    const { startLocalS3 } = await import('../s3-server.ts');
    const port = webPort(env);
    // The bucket's CORS rule: the pages of this app, wherever the browser finds them.
    const origins = [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
    if (env.PUBLIC_URL) origins.push(new URL(env.PUBLIC_URL).origin);
    const options = { directory: path.join(dataDir, 's3'), allowedOrigins: origins };
    const server = await startLocalS3({ ...options, port: PREFERRED_PORT }).catch(
      (err: unknown) => {
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
        return startLocalS3(options);
      },
    );
    return {
      url: server.url,
      env: server.env,
      info: `bucket "${server.bucket}", files in ${path.relative(root, options.directory)}; checks each upload's signed policy`,
      stop: () => server.stop(),
    };
  },
};
