// CSRF protection that keeps nothing on the server: a form's token is an HMAC, under SESSION_SECRET,
// of a value that only this site can have put in the browser's cookies (the session id once logged
// in; before that, a short-lived random cookie). A page on another site can make the browser post,
// but it cannot read the token.
import { createHmac, randomBytes } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { HttpError } from '../platform/http-errors.ts';
import { equalInConstantTime } from '../platform/secrets.ts';
import {
  readCookie,
  SAFE_METHODS,
  loggedInUserIgnoringOutage,
  type SessionSettings,
} from '../platform/session.ts';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The token this request's forms must carry back. */
      csrfToken(): string;
    }
  }
}

const NOT_A_FORM = 'Send this form from the page it belongs to (as a normal HTML form post).';
const FORGED =
  'This form has expired or did not come from this site. Go back, reload the page and try again.';
export const FORM_COOKIE = 'form';
const FORM_COOKIE_MAX_AGE_MS = 2 * 60 * 60 * 1000;

export function csrfProtection(config: SessionSettings): RequestHandler {
  // #region tokens
  const sign = (binding: string) =>
    createHmac('sha256', config.secret).update(binding).digest('base64url');
  /** Tokens this request may carry: one per binding the browser holds. */
  const accepted = (req: Request): string[] => {
    const tokens: string[] = [];
    if (loggedInUserIgnoringOutage(req)) tokens.push(sign(`session:${req.sessionID}`));
    const nonce = readCookie(req, FORM_COOKIE);
    if (nonce) tokens.push(sign(`form:${nonce}`));
    return tokens;
  };
  // #endregion
  const issue = (req: Request, res: Response): string => {
    // A page with a token is personal: no cache may keep it for somebody else.
    res.set('Cache-Control', 'private, no-store');
    if (loggedInUserIgnoringOutage(req)) return sign(`session:${req.sessionID}`);
    let nonce = readCookie(req, FORM_COOKIE);
    if (!nonce || !/^[\w-]{43}$/.test(nonce)) {
      nonce = randomBytes(32).toString('base64url');
      res.cookie(FORM_COOKIE, nonce, { ...config.cookie, maxAge: FORM_COOKIE_MAX_AGE_MS });
    }
    return sign(`form:${nonce}`);
  };

  return function csrfProtection(req, res, next) {
    let token: string | undefined;
    req.csrfToken = () => (token ??= issue(req, res));
    if (SAFE_METHODS.has(req.method)) return next();
    // Every form of this site needs the session: while its store is away, say so (a 503), not "forged".
    if (req.sessionError !== undefined) throw req.sessionError;
    if (!req.is('application/x-www-form-urlencoded')) throw new HttpError(415, NOT_A_FORM);
    const given: unknown =
      (req.body as Record<string, unknown> | undefined)?._csrf ?? req.get('x-csrf-token');
    if (!accepted(req).some((token) => equalInConstantTime(token, given)))
      throw new HttpError(403, FORGED);
    next();
  };
}
