// The 404 handler and the one error middleware: HTML or JSON by Accept, 5xx details only in the log.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { BackingServices } from '../platform/backing-services.ts';
import { html } from '../platform/html.ts';
import { HttpError, notFound, serviceUnavailable, statusOf } from '../platform/http-errors.ts';
import { page } from './layout.ts';

export const notFoundHandler: RequestHandler = (_req, _res, next) => {
  next(notFound());
};

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Not logged in',
  403: 'Forbidden',
  404: 'Not found',
  408: 'Request timeout',
  413: 'Too large',
  415: 'Unsupported content type',
  422: 'Please check the form',
  429: 'Too many requests',
  503: 'Temporarily unavailable',
};

/** Answers every error; an outage of a backing service becomes a 503 with a sentence to act on. */
export function errorHandler(services: BackingServices): ErrorRequestHandler {
  return function errorHandler(thrown: unknown, req, res, next) {
    const outage = services.describeOutage(thrown);
    const err = outage === undefined ? thrown : serviceUnavailable(outage, thrown);
    const status = statusOf(err);
    // An outage is expected and handled: one line a request says what failed, without the stack.
    if (status === 503) req.log.warn({ detail: detailOf(thrown) }, 'backing service unavailable');
    else if (status >= 500) req.log.error({ err }, 'request failed');
    if (res.headersSent) {
      next(err);
      return;
    }
    // A 5xx message could leak internals: visitors get a fixed sentence unless we wrote it for them.
    const message =
      err instanceof HttpError || (status < 500 && err instanceof Error)
        ? err.message
        : 'Something went wrong on our side. Please try again in a moment.';
    const title = TITLES[status] ?? (status >= 500 ? 'Server error' : 'Request error');
    res.status(status).set('Cache-Control', 'private, no-store');
    const retryAfter = err instanceof HttpError ? err.retryAfterSeconds : undefined;
    if (retryAfter !== undefined) res.set('Retry-After', String(retryAfter));
    else if (status === 503) res.set('Retry-After', '30');
    res.format({
      html: () => {
        const body = html`<article class="error">
          <h1>${title}</h1>
          <p>${message}</p>
          <p><a href="/">Back to the campaign</a></p>
        </article>`;
        res.send(page(res.locals, title, body));
      },
      json: () => {
        res.json({ error: { status, message } });
      },
      default: () => {
        res.type('text/plain').send(`${status} ${title}: ${message}\n`);
      },
    });
  };
}

/** The error's message, with the reason it wraps: "Redis is not answering: connect ECONNREFUSED …". */
function detailOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? err.cause.message : undefined;
  return cause && !err.message.includes(cause) ? `${err.message} (${cause})` : err.message;
}
