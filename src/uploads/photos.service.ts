// Profile photos: signing an upload straight to the bucket, and checking what arrived before it
// becomes a participant's photo. The app never carries the file's bytes, only its first few.
import { randomUUID } from 'node:crypto';
import type { Db } from '../platform/db.ts';
import { HttpError } from '../platform/http-errors.ts';
import type { Logger } from '../platform/logger.ts';
import type { Bucket } from '../platform/s3.ts';
import {
  isPhotoType,
  PHOTO_TYPES,
  sniffPhotoType,
  SNIFF_BYTES,
  type PhotoType,
} from './image-types.ts';
import { createPhotosRepo, type Upload } from './photos.repo.ts';

export const MAX_PHOTO_BYTES = 5 * 1024 * 1024;
/** How long a signed upload may start; S3 refuses it afterwards. */
export const UPLOAD_SECONDS = 5 * 60;
/** An upload that started in time may still be arriving on a slow line: its confirm is accepted this long after. */
export const CONFIRM_GRACE_MS = 15 * 60 * 1000;
/**
 * The photo page's plain form is signed on every view, but for one upload that stays open this much longer
 * than its signature: the views write to the database at most once in this time.
 */
const FORM_REUSE_MS = UPLOAD_SECONDS * 1000;
/** How long a photo's link works; pages that show it are never cached. */
const PHOTO_LINK_SECONDS = 10 * 60;

export const TYPE_NAMES = 'JPEG, PNG or WebP';

export interface PhotosDeps {
  db: Db;
  bucket: Bucket;
  logger: Logger;
  now: () => Date;
}

export interface IssuedUpload {
  id: string;
  url: string;
  fields: Readonly<Record<string, string>>;
  expiresAt: Date;
}

export interface Photo {
  url: string;
  type: string;
}

// Uploads land under pending/, which a lifecycle rule empties; photos are copied under photos/.
const pendingKey = (userId: string, id: string) => `pending/${userId}/${id}`;
export const photoKeyOf = (userId: string, id: string, type: PhotoType) =>
  `photos/${userId}/${id}.${PHOTO_TYPES[type].extension}`;

export function createPhotos({ db, bucket, logger, now }: PhotosDeps) {
  const uploads = createPhotosRepo(db);

  /**
   * Deletes what cannot be kept. A failure is logged, not thrown: the participant's request has done its
   * work, and the sweep (or, under pending/, the bucket's lifecycle rule) deletes the object later.
   */
  const discard = async (key: string): Promise<boolean> => {
    try {
      await bucket.delete(key);
      return true;
    } catch (err) {
      logger.warn({ err, key }, 'could not delete an unused object; the sweep will');
      return false;
    }
  };

  /** Refuses an upload for good: it can never be confirmed again, and its object goes. */
  const refuse = async (upload: Upload, status: number, message: string): Promise<never> => {
    await uploads.reject(upload, message);
    await discard(upload.pendingKey);
    throw new HttpError(status, message);
  };

  /** A new pending upload of this user, open until `expiresAt`. */
  const open = async (userId: string, type: string | undefined, expiresAt: Date) => {
    const id = randomUUID();
    const upload = {
      id,
      userId,
      pendingKey: pendingKey(userId, id),
      declaredType: type,
      expiresAt,
    };
    await uploads.insert(upload);
    return upload;
  };

  /**
   * The upload the photo page's plain form posts to, signed until `until`: the newest one still open, so that
   * a script viewing the page for ever leaves one row. Its expiry is pushed out only when the signature would
   * outlive it, by one write that keeps it open FORM_REUSE_MS longer.
   */
  const formUpload = async (userId: string, until: Date) => {
    const latest = await uploads.openFormUploadOf(userId, now());
    if (latest && latest.expiresAt >= until) return latest;
    const expiresAt = new Date(until.getTime() + FORM_REUSE_MS);
    if (latest && (await uploads.keepOpen(latest, expiresAt))) return latest;
    return open(userId, undefined, expiresAt);
  };

  /** Writes the upload's row, then signs it: the bucket takes it for the next UPLOAD_SECONDS only. */
  const signUpload = async (userId: string, type?: string, returnTo?: (id: string) => string) => {
    const expiresAt = new Date(now().getTime() + UPLOAD_SECONDS * 1000);
    // The page's script gets an upload per file; every view of the plain form shares one.
    const { id, pendingKey: key } = type
      ? await open(userId, type, expiresAt)
      : await formUpload(userId, expiresAt);
    const post = await bucket.presignPost({
      key,
      maxBytes: MAX_PHOTO_BYTES,
      expiresInSeconds: UPLOAD_SECONDS,
      ...(type ? { contentType: type } : {}),
      // A condition of the policy: each view signs the address its own browser came to.
      ...(returnTo ? { redirectTo: returnTo(id) } : {}),
    });
    return { id, ...post, expiresAt };
  };

  /** The type its bytes show, and the one signed for if there was one; anything else is refused. */
  const typeByBytes = async (upload: Upload): Promise<PhotoType> => {
    const type = sniffPhotoType(await bucket.firstBytes(upload.pendingKey, SNIFF_BYTES));
    if (!type || (upload.declaredType !== null && type !== upload.declaredType)) {
      return refuse(
        upload,
        415,
        `That file is not a ${TYPE_NAMES} image, whatever its name says. Nothing was saved.`,
      );
    }
    return type;
  };

  return {
    /**
     * Signs one upload for this user. With a type, the browser must declare exactly that type; a
     * plain form cannot know the file's type in advance, so it declares none. `returnTo` makes S3
     * send the browser back to that address, with this upload's id, after a plain form upload.
     */
    async issue(
      userId: string,
      options: { type?: string | undefined; returnTo?: ((id: string) => string) | undefined } = {},
    ): Promise<IssuedUpload> {
      const { type } = options;
      if (type !== undefined && !isPhotoType(type)) {
        throw new HttpError(415, `A photo must be a ${TYPE_NAMES} image.`);
      }
      return signUpload(userId, type, options.returnTo);
    },

    /**
     * Checks what arrived for an upload this app signed for this user, and makes it their photo.
     * `reportedKey` is what S3 said it stored, when it said so: it must be the key that was signed.
     */
    async confirm(userId: string, id: string, reportedKey?: string): Promise<Photo> {
      const upload = await uploads.findForUser(userId, id);
      if (!upload || (reportedKey !== undefined && reportedKey !== upload.pendingKey)) {
        throw new HttpError(
          404,
          'We did not sign that upload for you. Please choose your photo again.',
        );
      }
      if (upload.status !== 'pending') {
        // A page still open in another tab may have written this key again: nothing will use that object.
        await discard(upload.pendingKey);
        throw upload.status === 'rejected'
          ? new HttpError(410, 'This upload was refused. Please choose your photo again.')
          : new HttpError(
              409,
              'This upload has already been used. Choose a new photo to change it.',
            );
      }
      if (now().getTime() > upload.expiresAt.getTime() + CONFIRM_GRACE_MS) {
        return refuse(
          upload,
          410,
          'This upload is too old to use. Please choose your photo again.',
        );
      }

      const stored = await bucket.head(upload.pendingKey);
      if (!stored) {
        throw new HttpError(
          422,
          'Your photo has not reached our storage. Nothing was saved: please upload it again.',
        );
      }
      if (stored.size === 0) return refuse(upload, 422, 'That file is empty. Nothing was saved.');
      if (stored.size > MAX_PHOTO_BYTES) {
        return refuse(upload, 413, 'A photo can be at most 5 MB. Nothing was saved.');
      }
      if (upload.declaredType !== null && stored.contentType !== upload.declaredType) {
        return refuse(
          upload,
          415,
          `The file was stored with another type than the one signed for.`,
        );
      }
      if (Object.keys(stored.metadata).length > 0) {
        return refuse(
          upload,
          400,
          'The file arrived with data we did not sign for. Nothing was saved.',
        );
      }
      const type = await typeByBytes(upload);

      const key = photoKeyOf(userId, upload.id, type);
      await bucket.copy(upload.pendingKey, key, type);
      const attached = await uploads.attach(upload, { key, type, size: stored.size }, now());
      if (!attached) {
        throw new HttpError(
          409,
          'This upload has already been used. Choose a new photo to change it.',
        );
      }
      await discard(upload.pendingKey);
      const previous = attached.previous;
      if (previous?.photoKey && (await discard(previous.photoKey)))
        await uploads.objectGone(previous);
      return { url: await bucket.presignGet(key, type, PHOTO_LINK_SECONDS), type };
    },

    /** The user's photo with a short-lived link to it, or undefined. */
    async photoOf(userId: string): Promise<Photo | undefined> {
      const upload = await uploads.photoOf(userId);
      if (!upload?.photoKey || !upload.photoType) return undefined;
      return {
        // The stored type, pinned: whatever the object's own metadata says, it is served as an image.
        url: await bucket.presignGet(upload.photoKey, upload.photoType, PHOTO_LINK_SECONDS),
        type: upload.photoType,
      };
    },
  };
}

export type Photos = ReturnType<typeof createPhotos>;
