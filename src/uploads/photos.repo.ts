// SQL for photo uploads: the only place that knows the photo_uploads table.
import type { Db } from '../platform/db.ts';

export type UploadStatus = 'pending' | 'attached' | 'rejected' | 'replaced';

export interface Upload {
  id: string;
  userId: string;
  pendingKey: string;
  declaredType: string | null;
  status: UploadStatus;
  expiresAt: Date;
  photoKey: string | null;
  photoType: string | null;
}

interface UploadRow {
  id: string;
  user_id: string;
  pending_key: string;
  declared_type: string | null;
  status: UploadStatus;
  expires_at: Date;
  photo_key: string | null;
  photo_type: string | null;
}

const toUpload = (row: UploadRow): Upload => ({
  id: row.id,
  userId: String(row.user_id),
  pendingKey: row.pending_key,
  declaredType: row.declared_type,
  status: row.status,
  expiresAt: row.expires_at,
  photoKey: row.photo_key,
  photoType: row.photo_type,
});

// A uuid column refuses other text with an error; a malformed id simply matches no upload.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createPhotosRepo(db: Db) {
  return {
    async insert(upload: {
      id: string;
      userId: string;
      pendingKey: string;
      declaredType: string | undefined;
      expiresAt: Date;
    }): Promise<void> {
      await db('photo_uploads').insert({
        id: upload.id,
        user_id: upload.userId,
        pending_key: upload.pendingKey,
        declared_type: upload.declaredType ?? null,
        expires_at: upload.expiresAt,
      });
    },

    /** The upload with this id, if it was issued to this user. */
    async findForUser(userId: string, id: string): Promise<Upload | undefined> {
      if (!UUID.test(id)) return undefined;
      const row = await db<UploadRow>('photo_uploads').where({ id, user_id: userId }).first();
      return row ? toUpload(row) : undefined;
    },

    /** The user's newest upload for a plain form (no declared type) still pending and open at `now`. */
    async openFormUploadOf(userId: string, now: Date): Promise<Upload | undefined> {
      const row = await db<UploadRow>('photo_uploads')
        .where({ user_id: userId, status: 'pending' })
        .whereNull('declared_type')
        .andWhere('expires_at', '>', now)
        .orderBy('expires_at', 'desc')
        .first();
      return row ? toUpload(row) : undefined;
    },

    /** Keeps a pending upload open until `expiresAt`; false when it is no longer pending. */
    async keepOpen(upload: Upload, expiresAt: Date): Promise<boolean> {
      const changed = await db('photo_uploads')
        .where({ id: upload.id, status: 'pending' })
        .update({ expires_at: expiresAt });
      return changed > 0;
    },

    /** The user's photo, if they have one. */
    async photoOf(userId: string): Promise<Upload | undefined> {
      const row = await db<UploadRow>('photo_uploads')
        .where({ user_id: userId, status: 'attached' })
        .first();
      return row ? toUpload(row) : undefined;
    },

    /**
     * Makes a pending upload the user's photo, in one transaction with retiring the previous one.
     * Returns the previous photo, whose object is now unused; undefined when the upload was no
     * longer pending (a confirm that lost a race with another).
     */
    async attach(
      upload: Upload,
      photo: { key: string; type: string; size: number },
      now: Date,
    ): Promise<{ previous: Upload | undefined } | undefined> {
      return db.transaction(async (trx) => {
        // Lock the user's uploads in a fixed order, so two confirms at once queue up instead of racing.
        const rows = await trx<UploadRow>('photo_uploads')
          .where({ user_id: upload.userId })
          .whereIn('status', ['pending', 'attached'])
          .orderBy('id')
          .forUpdate();
        const self = rows.find((row) => row.id === upload.id);
        if (self?.status !== 'pending') return undefined;
        const previous = rows.find((row) => row.status === 'attached');
        if (previous) {
          await trx('photo_uploads').where({ id: previous.id }).update({ status: 'replaced' });
        }
        await trx('photo_uploads').where({ id: upload.id }).update({
          status: 'attached',
          photo_key: photo.key,
          photo_type: photo.type,
          size: photo.size,
          confirmed_at: now,
        });
        return { previous: previous ? toUpload(previous) : undefined };
      });
    },

    /** Pending uploads that expired before `before`, oldest first, at most `limit` of them. */
    async expiredPending(before: Date, limit: number): Promise<Upload[]> {
      const rows = await db<UploadRow>('photo_uploads')
        .where({ status: 'pending' })
        .andWhere('expires_at', '<', before)
        .orderBy('expires_at')
        .limit(limit);
      return rows.map(toUpload);
    },

    /** Former photos whose object may still be in the bucket (deleting it failed), at most `limit`. */
    async replacedWithObject(limit: number): Promise<Upload[]> {
      const rows = await db<UploadRow>('photo_uploads')
        .where({ status: 'replaced' })
        .whereNotNull('photo_key')
        .orderBy('confirmed_at')
        .limit(limit);
      return rows.map(toUpload);
    },

    /** Notes that a former photo's object has been deleted. */
    async objectGone(upload: Upload): Promise<void> {
      await db('photo_uploads')
        .where({ id: upload.id, status: 'replaced' })
        .update({ photo_key: null });
    },

    /** Marks a pending upload as refused, so that it can never be confirmed again. */
    async reject(upload: Upload, because: string): Promise<void> {
      await db('photo_uploads')
        .where({ id: upload.id, status: 'pending' })
        .update({ status: 'rejected', rejected_because: because });
    },
  };
}

export type PhotosRepo = ReturnType<typeof createPhotosRepo>;
