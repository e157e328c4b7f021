// The bucket's part of the config: which bucket, its region and credentials, and where to reach it.
import { z } from 'zod';
import { configPart, whenMissing, type Env } from '../config.ts';

// S3's rules for a bucket name (dots are allowed there but break HTTPS to the bucket's own host name).
const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/** The Bucketeer add-on sets its own four variables; they mean the same as ours. */
const bucketeer = (env: Env): Env => ({
  S3_BUCKET: env.BUCKETEER_BUCKET_NAME,
  AWS_REGION: env.BUCKETEER_AWS_REGION,
  AWS_ACCESS_KEY_ID: env.BUCKETEER_AWS_ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: env.BUCKETEER_AWS_SECRET_ACCESS_KEY,
});

const NOT_SET =
  'not set: `npm run dev` starts a local S3 server for you; on Heroku, add the Bucketeer add-on or set';

export const s3Config = configPart({
  prepare: bucketeer,
  variables: {
    S3_BUCKET: z
      .string({
        error: whenMissing(
          `${NOT_SET} S3_BUCKET, AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`,
        ),
      })
      .regex(BUCKET_NAME, 'expected a bucket name: 3 to 63 lower-case letters, digits and hyphens'),
    AWS_REGION: z
      .string({ error: whenMissing(`${NOT_SET} the bucket's region`) })
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected a region such as eu-west-1'),
    AWS_ACCESS_KEY_ID: z
      .string({
        error: whenMissing(`${NOT_SET} the access key of a user allowed to use the bucket`),
      })
      .min(1),
    AWS_SECRET_ACCESS_KEY: z
      .string({ error: whenMissing(`${NOT_SET} the secret of that access key`) })
      .min(1),
    S3_ENDPOINT: z
      .url({
        protocol: /^https?$/,
        error: 'expected the address of an S3-compatible service, such as http://127.0.0.1:4568',
      })
      .optional(),
  },
  settings: (v) => ({
    bucket: v.S3_BUCKET,
    region: v.AWS_REGION,
    credentials: { accessKeyId: v.AWS_ACCESS_KEY_ID, secretAccessKey: v.AWS_SECRET_ACCESS_KEY },
    /** An S3-compatible service instead of AWS: buckets are then paths under its address. */
    endpoint: v.S3_ENDPOINT?.replace(/\/+$/, ''),
    /** Where browsers send uploads and fetch photos: the one origin the pages' CSP opens. */
    origin: v.S3_ENDPOINT
      ? new URL(v.S3_ENDPOINT).origin
      : `https://${v.S3_BUCKET}.s3.${v.AWS_REGION}.amazonaws.com`,
  }),
});
