// Cookie sessions (express-session): the middleware, what a session holds, and the helpers that
// regenerate or end one.
import type { Request, RequestHandler } from 'express';
import session, { type Store } from 'express-session';
import type { Config } from '../config.ts';

export interface SessionUser {
  id: string;
  displayName: string;
}

declare module 'express-session' {
  interface SessionData {
    user: SessionUser;
    csrfToken: string;
  }
}

export function sessions(config: Config['session'], store: Store): RequestHandler {
  return session({
    name: 'sid',
    secret: config.secret,
    store,
    // Don't create a session until something is stored: anonymous visitors cost no memory.
    saveUninitialized: false,
    resave: false,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.secureCookie,
      maxAge: 7 * 24 * 60 * 60 * 1000,
    },
  });
}

/** A new session id for a new privilege level (login, signup): a planted id becomes useless. */
export function regenerateSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.regenerate((err) => (err ? reject(err as Error) : resolve()));
  });
}

export function destroySession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.destroy((err) => (err ? reject(err as Error) : resolve()));
  });
}

/** Saves before a redirect, so the next request already sees what was stored. */
export function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.save((err) => (err ? reject(err as Error) : resolve()));
  });
}
