// The 404 handler and the one error middleware: HTML or JSON by Accept, 5xx details only in the log.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Deps } from '../deps.ts';
import { html } from '../platform/html.ts';
import { notFound, statusOf } from '../platform/http-errors.ts';
import { page } from './layout.ts';

export const notFoundHandler: RequestHandler = (_req, _res, next) => {
  next(notFound());
};

const TITLES: Record<number, string> = {
  400: 'Bad request',
  403: 'Forbidden',
  404: 'Not found',
  413: 'Too large',
  415: 'Unsupported content type',
  422: 'Please check the form',
  429: 'Too many requests',
  503: 'Temporarily unavailable',
};

export function errorHandler(deps: Deps): ErrorRequestHandler {
  return (err, req, res, next) => {
    const status = statusOf(err);
    if (status >= 500) req.log.error({ err }, 'request failed');
    if (res.headersSent) {
      next(err);
      return;
    }
    // A 5xx message could leak internals, so the visitor gets a fixed sentence and the log gets the rest.
    const message =
      status >= 500 && status !== 503
        ? 'Something went wrong on our side. Please try again in a moment.'
        : err instanceof Error
          ? err.message
          : 'The request could not be handled.';
    const title = TITLES[status] ?? (status >= 500 ? 'Server error' : 'Request error');
    res.status(status).set('Cache-Control', 'no-store');
    res.format({
      html: () => {
        const body = html`<article class="error">
          <h1>${title}</h1>
          <p>${message}</p>
          <p><a href="/">Back to the campaign</a></p>
        </article>`;
        res.send(page({ title, siteName: deps.config.campaign.name }, body));
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
