// The sweep-uploads job: closes uploads that were signed but never confirmed, and deletes the objects
// that failed deletes left behind, a bounded batch at a time.
import { databaseConfig } from '../platform/db.config.ts';
import { openDatabase } from '../platform/db.ts';
import { defineJob } from '../platform/job.ts';
import { s3Config } from '../platform/s3.config.ts';
import { openBucket } from '../platform/s3.ts';
import { sweepExpiredUploads } from './photos.cleanup.ts';

export const sweepUploadsJob = defineJob({
  summary: 'closes photo uploads never confirmed and deletes the objects they left (run it daily)',
  parts: { database: databaseConfig, s3: s3Config },
  async run({ config, logger, services, progress, signal, now }) {
    const db = openDatabase(config.database, logger, services);
    const bucket = openBucket(config.s3, services);
    await services.ready();
    const { closed, deleted } = await sweepExpiredUploads(
      { db, bucket, logger, now },
      { batch: 100, signal, onBatch: (count) => progress.advance(count) },
    );
    return {
      message: `${closed} expired uploads closed, ${deleted} objects of former photos deleted`,
      closed,
      deleted,
    };
  },
});
