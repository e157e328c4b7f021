// The daily digest on the site: opting in and out on "my page", and unsubscribing by a signed link
// without logging in, from the link's page or with a mail client's one-click button (RFC 8058).
import { Router, type Request } from 'express';
import type { AppModule } from '../app-module.ts';
import type { Deps } from '../deps.ts';
import { badRequest, HttpError } from '../platform/http-errors.ts';
import { loggedInUser } from '../platform/session.ts';
import { page } from '../web/layout.ts';
import { createDigestRepo } from './digest.repo.ts';
import { digestSectionView, unsubscribeView } from './digest.views.ts';
import { checkUnsubscribeToken, readUnsubscribeToken } from './unsubscribe.ts';

const NOT_VALID =
  'This unsubscribe link is not valid: it may have been cut short on its way. Use the link in your ' +
  'latest digest, or log in and stop the digest from your page.';
const EXPIRED =
  'This unsubscribe link has expired. Use the link in your latest digest, or log in and stop the ' +
  'digest from your page.';

/** The participant a link was signed for, or the 4xx that says why there is none. */
async function linkOwner(deps: Deps, token: string): Promise<{ id: string; email: string }> {
  const claimed = readUnsubscribeToken(token);
  const owner = claimed && (await createDigestRepo(deps.db).recipient(claimed.userId));
  if (!owner) throw badRequest(NOT_VALID);
  const check = checkUnsubscribeToken(
    deps.config.unsubscribe.secret,
    token,
    owner.email,
    deps.now(),
  );
  if (check === 'forged') throw badRequest(NOT_VALID);
  if (check === 'expired') throw new HttpError(410, EXPIRED);
  return owner;
}

const tokenOf = (req: Request): string => String(req.params.token ?? '');

export const digestModule: AppModule = {
  // A mail client's one-click POST carries no session cookie and no CSRF token, and must not need
  // them: the signed link is its only credential. So it is answered here, before the session and CSRF
  // middleware, and it can only ever unsubscribe the address the link was signed for.
  middleware(deps) {
    const oneClick = Router();
    oneClick.post('/unsubscribe/:token', async (req, res) => {
      const owner = await linkOwner(deps, tokenOf(req));
      const removed = await createDigestRepo(deps.db).unsubscribe(owner.id);
      req.log.info(
        { userId: owner.id, removed, from: req.query.from ?? 'mail client' },
        'digest unsubscribed',
      );
      res.set('Cache-Control', 'no-store');
      // The link's own page shows the outcome; a mail client only needs the status.
      if (req.query.from === 'page') return res.redirect(303, `/unsubscribe/${tokenOf(req)}`);
      res.type('text/plain').send('Unsubscribed: no more digests go to this address.\n');
    });
    return {
      early: [
        function oneClickUnsubscribe(req, res, next) {
          oneClick(req, res, next);
        },
      ],
    };
  },

  sections(deps) {
    const digests = createDigestRepo(deps.db);
    return {
      myPage: async (req) =>
        digestSectionView(await digests.isSubscribed(loggedInUser(req)!.id), req.csrfToken()),
    };
  },

  routes(deps) {
    const router = Router();
    const digests = createDigestRepo(deps.db);

    router.post('/me/digest', async (req, res) => {
      const userId = loggedInUser(req)?.id;
      if (!userId) throw new HttpError(401, 'Log in to change your digest.');
      const choice = (req.body as Record<string, unknown> | undefined)?.digest;
      if (choice !== 'on' && choice !== 'off') {
        throw badRequest('Send the form on your page to turn the digest on or off.');
      }
      if (choice === 'on') await digests.subscribe(userId);
      else await digests.unsubscribe(userId);
      req.log.info({ userId, digest: choice }, 'digest subscription changed');
      res.redirect(303, '/me');
    });

    // Opening the link only asks: mail scanners follow every link, and must not unsubscribe anyone.
    router.get('/unsubscribe/:token', async (req, res) => {
      const owner = await linkOwner(deps, tokenOf(req));
      const subscribed = await digests.isSubscribed(owner.id);
      res.set('Cache-Control', 'private, no-store');
      const view = unsubscribeView({ token: tokenOf(req), email: owner.email, subscribed });
      res.send(page(res.locals, subscribed ? 'Unsubscribe' : 'Unsubscribed', view));
    });

    return router;
  },
};
