// Uploads that were signed but never confirmed: their rows are closed and any object they left is
// deleted. The bucket's lifecycle rule on pending/ does the same for objects alone; this also works
// where no such rule can be set (the local server). It is meant for a scheduled job; until one exists,
// nothing calls it but its tests.
import { PHOTO_TYPES, type PhotoType } from './image-types.ts';
import { createPhotosRepo, type Upload } from './photos.repo.ts';
import { CONFIRM_GRACE_MS, photoKeyOf, type PhotosDeps } from './photos.service.ts';

export interface SweepResult {
  /** Uploads never confirmed, now closed. */
  closed: number;
  /** Former photos whose object was left behind, now deleted. */
  deleted: number;
}

/**
 * Closes expired uploads and deletes the objects of former photos that a failed delete left behind,
 * `batch` at a time until none is left; safe to run twice at once.
 */
export async function sweepExpiredUploads(
  { db, bucket, now }: PhotosDeps,
  batch = 100,
): Promise<SweepResult> {
  const uploads = createPhotosRepo(db);
  const result: SweepResult = { closed: 0, deleted: 0 };
  for (;;) {
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
    if (expired.length < batch) break;
  }
  for (;;) {
    const former = await uploads.replacedWithObject(batch);
    for (const upload of former) {
      await bucket.delete(upload.photoKey!);
      await uploads.objectGone(upload);
      result.deleted += 1;
    }
    if (former.length < batch) return result;
  }
}

/** A confirm that copied the photo and then failed to record it leaves a copy under photos/. */
async function deleteCopyOf(upload: Upload, remove: (key: string) => Promise<void>) {
  for (const type of Object.keys(PHOTO_TYPES) as PhotoType[]) {
    await remove(photoKeyOf(upload.userId, upload.id, type));
  }
}
