// Profile photos: signing an upload, confirming it (from the page's script, or from S3's redirect after
// a plain form), and the photo section of "my page".
import { Router, type Request } from 'express';
import type { AppModule } from '../app-module.ts';
import type { Deps } from '../deps.ts';
import { HttpError } from '../platform/http-errors.ts';
import { loggedInUser } from '../platform/session.ts';
import { page } from '../web/layout.ts';
import { photoPageView, photoSectionView } from './photos.views.ts';
import { createPhotos } from './photos.service.ts';
// @step 5+
import { addressOf } from '../platform/rate-limits.ts';
import { PRESIGN_PER_ADDRESS } from './photos.limits.ts';
// @end

const photosOf = (deps: Deps) =>
  createPhotos({ db: deps.db, bucket: deps.bucket, logger: deps.logger, now: deps.now });

function uploaderOf(req: Request): string {
  const id = loggedInUser(req)?.id;
  if (!id) throw new HttpError(401, 'Log in to change your photo.');
  return id;
}

/** Where S3 sends the browser after a plain form upload: this site, as the browser reached it. */
const confirmUrl = (req: Request) => (id: string) =>
  `${req.protocol}://${req.get('host')}/me/photo/confirm?upload=${encodeURIComponent(id)}`;

const stringOrUndefined = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;

export const photosModule: AppModule = {
  contentSources: (deps) => ({
    formAction: [deps.config.s3.origin],
    connectSrc: [deps.config.s3.origin],
    imgSrc: [deps.config.s3.origin],
  }),

  // The photo section of "my page": one read, nothing signed.
  sections(deps) {
    const photos = photosOf(deps);
    return { myPage: async (req) => photoSectionView(await photos.photoOf(uploaderOf(req))) };
  },

  routes(deps) {
    const router = Router();
    const photos = photosOf(deps);

    // The page that changes the photo, with a freshly signed form post so that it works without script.
    router.get('/me/photo', async (req, res) => {
      const userId = loggedInUser(req)?.id;
      if (!userId) return res.redirect(303, '/login');
      const [photo, upload] = await Promise.all([
        photos.photoOf(userId),
        photos.issue(userId, { returnTo: confirmUrl(req) }),
      ]);
      const body = photoPageView({ photo, upload, csrfToken: req.csrfToken() });
      res.send(page(res.locals, 'Your photo', body));
    });

    // The page's script asks for an upload signed for the file's declared type.
    router.post('/me/photo/uploads', async (req, res) => {
      const userId = uploaderOf(req);
      await deps.limits.take(PRESIGN_PER_ADDRESS, addressOf(req)); // @step 5+
      const body = req.body as Record<string, unknown> | undefined;
      const upload = await photos.issue(userId, { type: stringOrUndefined(body?.type) ?? '' });
      req.log.info({ userId, upload: upload.id }, 'photo upload signed');
      res.status(201).json({ id: upload.id, url: upload.url, fields: upload.fields });
    });

    // The page's script, once the bucket has the file.
    router.post('/me/photo/confirm', async (req, res) => {
      const userId = uploaderOf(req);
      const id = stringOrUndefined((req.body as Record<string, unknown> | undefined)?.upload) ?? '';
      const photo = await photos.confirm(userId, id);
      req.log.info({ userId, upload: id }, 'photo attached');
      res.json({ photo });
    });

    // S3 sends the browser here after a plain form upload, adding the bucket, key and ETag it stored.
    // The upload id is a one-time secret of this user's session, so this GET changes nothing for anyone else.
    router.get('/me/photo/confirm', async (req, res) => {
      const userId = uploaderOf(req);
      const id = stringOrUndefined(req.query.upload) ?? '';
      await photos.confirm(userId, id, stringOrUndefined(req.query.key) ?? '');
      req.log.info({ userId, upload: id }, 'photo attached');
      res.redirect(303, '/me#photo-heading');
    });

    return router;
  },
};
