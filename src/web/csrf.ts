// CSRF protection with a per-session token: every state-changing request must echo the token that
// only this site's own pages carry.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { HttpError } from '../platform/http-errors.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The session's token, created on first use: only pages with a form create a session. */
export function csrfToken(req: Request): string {
  req.session.csrfToken ??= randomBytes(32).toString('base64url');
  return req.session.csrfToken;
}

function matches(expected: string | undefined, given: unknown): boolean {
  if (typeof expected !== 'string' || typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

// #region csrf
export const csrfProtection: RequestHandler = (req, _res, next) => {
  if (SAFE_METHODS.has(req.method)) return next();
  if (!req.is('application/x-www-form-urlencoded')) {
    throw new HttpError(
      415,
      'Send this form from the page it belongs to (as a normal HTML form post).',
    );
  }
  const given: unknown =
    (req.body as Record<string, unknown> | undefined)?._csrf ?? req.get('x-csrf-token');
  if (!matches(req.session.csrfToken, given)) {
    throw new HttpError(
      403,
      'This form has expired or did not come from this site. Go back, reload the page and try again.',
    );
  }
  next();
};
// #endregion
