// HTTPS behind Heroku's router: the router ends TLS and says in X-Forwarded-Proto how the request came.
// A request that came over plain HTTP is sent to the same path on PUBLIC_URL; every answer over HTTPS
// carries the Strict-Transport-Security policy the config sets.
import type { RequestHandler } from 'express';
import type { AppModule } from '../app-module.ts';
import type { SettingsOf } from '../config.ts';
import type { httpsConfig } from './https.config.ts';

export type HttpsSettings = SettingsOf<typeof httpsConfig>;

// The platform's health check may come over plain HTTP, and must get its answer rather than a redirect.
const EXEMPT_PATHS = new Set(['/healthz']);

/** Redirects what came over plain HTTP: 301 for GET and HEAD, 308 (method and body kept) otherwise. */
export function httpsRedirect(settings: HttpsSettings): RequestHandler {
  return function httpsRedirect(req, res, next) {
    // req.secure reads X-Forwarded-Proto from the one proxy that app.ts trusts: the router.
    if (req.secure || EXEMPT_PATHS.has(req.path)) return next();
    const status = req.method === 'GET' || req.method === 'HEAD' ? 301 : 308;
    // The origin comes from the config and the path from the request, which begins with "/": a Host
    // header, or a path such as "//elsewhere.example", cannot send the visitor anywhere else.
    res.redirect(status, `${settings.origin}${req.originalUrl}`);
  };
}

export const httpsModule: AppModule = {
  middleware: (deps) => ({
    early: deps.config.https.redirect ? [httpsRedirect(deps.config.https)] : [],
  }),
  transportSecurity: (deps) => deps.config.https.hsts,
};
