// Cookie sessions (express-session): the store, the middleware, what a session holds, and the helpers
// that start or end one. A session exists only for a logged-in visitor.
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

export const SESSION_COOKIE = 'sid';
const MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;

// #region store
/** Sessions live in this process's memory: fine for one dyno, lost on restart, not shared between dynos. */
export function createSessionStore(): Store {
  return new session.MemoryStore();
}
// #endregion

export function sessions(config: SessionSettings, store: Store): RequestHandler {
  return session({
    name: SESSION_COOKIE,
    secret: config.secret,
    store,
    // Nothing is stored, and no cookie set, until a login puts the user in the session; the forms of
    // anonymous visitors carry a token bound to a cookie instead (csrf.ts), so they cost no memory.
    saveUninitialized: false,
    resave: false,
    cookie: { httpOnly: true, sameSite: 'lax', secure: config.secureCookie, maxAge: MAX_AGE_MS },
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
