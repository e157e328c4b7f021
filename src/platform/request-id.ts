// The request id: Heroku's router sends one in X-Request-ID; the app keeps it (or makes one), answers
// with it, and puts it on every log line of the request and on the email the request queues.
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { AppModule } from '../app-module.ts';
import { withLogContext } from './log-context.ts';

/**
 * The router keeps a client's id when it is 20 to 200 of these characters, and replaces any other
 * with a UUID. The app applies the same rule, so that a request that did not come through the
 * router (locally, or straight to a dyno) cannot put a long or odd string on every log line.
 */
const ACCEPTED = /^[A-Za-z0-9+/=-]{20,200}$/;

/** The id to use for a request that came with `header`. */
export function requestIdFor(header: string | string[] | undefined): string {
  const sent = Array.isArray(header) ? header[0] : header;
  return sent !== undefined && ACCEPTED.test(sent) ? sent : randomUUID();
}

export const requestId: RequestHandler = function requestId(req, res, next) {
  const id = requestIdFor(req.headers['x-request-id']);
  // pino-http takes req.id as the request's own; a handler can read it there too.
  req.id = id;
  res.set('X-Request-ID', id);
  withLogContext({ requestId: id }, next);
};

export const requestIdModule: AppModule = {
  middleware: () => ({ first: [requestId] }),
};
