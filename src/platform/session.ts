// Cookie sessions (express-session): the store, the middleware, what a session holds, and the helpers
// that start or end one. A session exists only for a logged-in visitor.
import { parse as parseCookies } from 'cookie';
import type { Request, RequestHandler } from 'express';
import session, { type Store } from 'express-session';
import type { SettingsOf } from '../config.ts';
import type { sessionConfig } from './session.config.ts';

export type SessionSettings = SettingsOf<typeof sessionConfig>;

export interface SessionUser {
  id: string;
  displayName: string;
}

declare module 'express-session' {
  interface SessionData {
    user: SessionUser;
  }
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Why the session could not be loaded (its store is away); then `req.session` is unset. */
      sessionError?: Error;
    }
  }
}

export const SESSION_COOKIE = 'sid';
/** Methods that change nothing: they start no session and need no CSRF token. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);
const MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;

/** Sessions live in this process's memory: fine for one dyno, lost on restart, not shared between dynos. */
export function createSessionStore(): Store {
  return new session.MemoryStore();
}

export function sessions(config: SessionSettings, store: Store): RequestHandler {
  const load = session({
    name: SESSION_COOKIE,
    secret: config.secret,
    store,
    // Nothing is stored, and no cookie set, until a login puts the user in the session; the forms of
    // anonymous visitors carry a token bound to a cookie instead (csrf.ts), so they cost no memory.
    saveUninitialized: false,
    resave: false,
    cookie: { ...config.cookie, maxAge: MAX_AGE_MS },
  });
  // A visitor's page view brings no session cookie, and a GET never starts a session (a login, a POST,
  // does): express-session would still make an id and hash an empty session for it, a tenth of the
  // landing page's CPU time under load. Such a request goes on with no `req.session` at all.
  const nothingToLoad = (req: Request) =>
    SAFE_METHODS.has(req.method) && readCookie(req, SESSION_COOKIE) === undefined;
  // express-session sends no Secure cookie over plain http: the production build on http://localhost
  // logs nobody in, and says nothing. This says it once, on the first form posted that way.
  let toldPlainHttp = !config.cookie.secure;
  const tellPlainHttp = (req: Request) => {
    if (toldPlainHttp || req.secure || SAFE_METHODS.has(req.method)) return;
    toldPlainHttp = true;
    req.log.warn(
      'a form came over plain http: in production the session cookie is Secure, so none is sent ' +
        'and logins will not stick. Locally, use `npm run dev`; the production build expects HTTPS ' +
        'in front of it, as Heroku’s router gives it (X-Forwarded-Proto: https)',
    );
  };
  // When the store cannot load a session, the request goes on without one: a page that needs no
  // session (the landing page) still answers; one that does gets the store's error, so a 503.
  return function session(req, res, next) {
    if (nothingToLoad(req)) return next();
    tellPlainHttp(req);
    load(req, res, (err?: unknown) => {
      if (err !== undefined)
        req.sessionError =
          err instanceof Error ? err : new Error('the session store failed', { cause: err });
      next();
    });
  };
}

/**
 * A cookie's value, percent-decoded, read as express-session reads its own (the first of a name counts),
 * or undefined when the browser sent none (or an empty one).
 */
export function readCookie(req: Request, name: string): string | undefined {
  return parseCookies(req.headers.cookie ?? '')[name] || undefined;
}

/** The logged-in user, or undefined for a visitor; while the store is away, throws its error. */
export function loggedInUser(req: Request): SessionUser | undefined {
  if (req.sessionError !== undefined) throw req.sessionError;
  return req.session?.user;
}

/** For what every page shows, such as the menu: while the store is away, the visitor's view. */
export function loggedInUserIgnoringOutage(req: Request): SessionUser | undefined {
  return req.sessionError === undefined ? req.session?.user : undefined;
}

/** A new session id for a new privilege level (login, signup): a planted id becomes useless. */
export function regenerateSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    if (req.sessionError !== undefined) return reject(req.sessionError);
    req.session.regenerate((err) => (err ? reject(err as Error) : resolve()));
  });
}

export function destroySession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    if (req.sessionError !== undefined) return reject(req.sessionError);
    req.session.destroy((err) => (err ? reject(err as Error) : resolve()));
  });
}

/**
 * Leaves the request without a session, as a visitor's page view is: express-session then sets no cookie
 * and saves nothing when the answer ends, where a store that failed would fail again.
 */
export function dropSession(req: Request): void {
  delete (req as { session?: unknown }).session;
}

/** Saves before a redirect, so the next request already sees what was stored. */
export function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    if (req.sessionError !== undefined) return reject(req.sessionError);
    req.session.save((err) => (err ? reject(err as Error) : resolve()));
  });
}
