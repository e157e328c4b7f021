// Uploads that were signed but never confirmed: their rows are closed and any object they left is
// deleted. The bucket's lifecycle rule on pending/ does the same for objects alone; this also works
// where no such rule can be set (the local server). It is meant to run on a schedule, a batch at a time.
import { PHOTO_TYPES, type PhotoType } from './image-types.ts';
import { createPhotosRepo, type Upload } from './photos.repo.ts';
import { CONFIRM_GRACE_MS, photoKeyOf, type PhotosDeps } from './photos.service.ts';

export interface SweepResult {
  /** Uploads never confirmed, now closed. */
  closed: number;
  /** Former photos whose object was left behind, now deleted. */
  deleted: number;
}

export interface SweepOptions {
  /** Rows read at a time: what a run holds in memory, and the most a kill can leave half done. */
  batch?: number;
  /** Stops between two batches when aborted; the next run carries on. */
  signal?: AbortSignal;
  /** Told how many uploads each batch dealt with. */
  onBatch?: (count: number) => void;
}

/**
 * Closes expired uploads and deletes the objects of former photos that a failed delete left behind,
 * `batch` at a time until none is left; safe to run twice at once.
 */
export async function sweepExpiredUploads(
  { db, bucket, now }: PhotosDeps,
  { batch = 100, signal, onBatch }: SweepOptions = {},
): Promise<SweepResult> {
  const uploads = createPhotosRepo(db);
  const result: SweepResult = { closed: 0, deleted: 0 };
  while (!signal?.aborted) {
    const expired = await uploads.expiredPending(
      new Date(now().getTime() - CONFIRM_GRACE_MS),
      batch,
    );
    for (const upload of expired) {
      // The object first: should this fail, the row stays pending and the next run tries again.
      await bucket.delete(upload.pendingKey);
      await deleteCopyOf(upload, (key) => bucket.delete(key));
      await uploads.reject(upload, 'never confirmed');
      result.closed += 1;
    }
    onBatch?.(expired.length);
    if (expired.length < batch) break;
  }
  while (!signal?.aborted) {
    const former = await uploads.replacedWithObject(batch);
    for (const upload of former) {
      await bucket.delete(upload.photoKey!);
      await uploads.objectGone(upload);
      result.deleted += 1;
    }
    onBatch?.(former.length);
    if (former.length < batch) break;
  }
  return result;
}

/** A confirm that copied the photo and then failed to record it leaves a copy under photos/. */
async function deleteCopyOf(upload: Upload, remove: (key: string) => Promise<void>) {
  for (const type of Object.keys(PHOTO_TYPES) as PhotoType[]) {
    await remove(photoKeyOf(upload.userId, upload.id, type));
  }
}
