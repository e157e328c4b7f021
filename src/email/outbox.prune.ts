// The prune-outbox job: deletes sent messages once they are older than the retention age, a bounded
// batch at a time, so that the outbox holds what is being delivered and a short history, not years.
import { z } from 'zod';
import { DAY_MS } from '../campaign/campaign.ts';
import { configPart } from '../config.ts';
import { databaseConfig } from '../platform/db.config.ts';
import { openDatabase, type Db } from '../platform/db.ts';
import { defineJob } from '../platform/job.ts';
import { createOutboxRepo } from './outbox.repo.ts';

export const retentionConfig = configPart({
  variables: {
    // At least two days: a sent digest is what keeps a rerun on its campaign day from sending it again.
    OUTBOX_RETENTION_DAYS: z.coerce.number().int().min(2).max(3650).default(30),
  },
  settings: (v) => ({ days: v.OUTBOX_RETENTION_DAYS }),
});

export interface PruneOptions {
  before: Date;
  batch?: number;
  signal?: AbortSignal;
  onBatch?: (count: number) => void;
}

/** Deletes every message sent before `before`, `batch` at a time; returns how many. */
export async function pruneSentEmail(
  db: Db,
  { before, batch = 1000, signal, onBatch }: PruneOptions,
): Promise<number> {
  const outbox = createOutboxRepo();
  let deleted = 0;
  while (!signal?.aborted) {
    const count = await outbox.deleteSent(db, before, batch);
    deleted += count;
    onBatch?.(count);
    if (count < batch) break;
  }
  return deleted;
}

export const pruneOutboxJob = defineJob({
  summary: 'deletes sent email older than OUTBOX_RETENTION_DAYS (run it daily)',
  parts: { database: databaseConfig, retention: retentionConfig },
  async run({ config, logger, services, progress, signal, now }) {
    const db = openDatabase(config.database, logger, services);
    await services.ready();
    const before = new Date(now().getTime() - config.retention.days * DAY_MS);
    const deleted = await pruneSentEmail(db, {
      before,
      signal,
      onBatch: (count) => progress.advance(count),
    });
    return {
      message: `${deleted} sent messages older than ${config.retention.days} days deleted`,
      deleted,
      before: before.toISOString(),
    };
  },
});
