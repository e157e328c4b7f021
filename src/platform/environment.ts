// What tells the environments apart to a visitor: outside production, a banner on every page and a
// header that keeps search engines out; with BASIC_AUTH_* set, a password on everything but /healthz.
import type { RequestHandler } from 'express';
import type { AppModule } from '../app-module.ts';
import type { SettingsOf } from '../config.ts';
import type { EnvironmentName, environmentConfig } from './environment.config.ts';
import { html, type SafeHtml } from './html.ts';
import { equalInConstantTime } from './secrets.ts';

export type EnvironmentSettings = SettingsOf<typeof environmentConfig>;

const TITLES: Readonly<Record<EnvironmentName, string>> = {
  development: 'Development',
  review: 'Review app',
  staging: 'Staging',
  production: 'Production',
};

// The platform's health check and the deploy command's probe of a new release carry no password.
const OPEN_PATHS = new Set(['/healthz']);

/** The banner pages show outside production. */
export function environmentBanner(settings: EnvironmentSettings): SafeHtml | undefined {
  if (settings.name === 'production') return undefined;
  return html`<strong>${TITLES[settings.name]}</strong> — not the live site. Nothing here reaches
    real participants.`;
}

/** A header value must be printable ASCII: "Café Contest" becomes "Cafe Contest", quotes escaped. */
function realmOf(campaignName: string, environment: string): string {
  const ascii = campaignName
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '')
    .trim();
  return `${ascii} (${environment})`.replace(/["\\]/g, '\\$&');
}

/** The user and password of an `Authorization: Basic` header, or undefined. */
function basicCredentials(
  header: string | undefined,
): { user: string; password: string } | undefined {
  const match = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The handlers for the `early` place: search-engine header, password gate, banner. */
export function environmentMiddleware(
  settings: EnvironmentSettings,
  campaignName: string,
): RequestHandler[] {
  const handlers: RequestHandler[] = [];
  if (!settings.production) {
    handlers.push(function noIndex(_req, res, next) {
      res.set('X-Robots-Tag', 'noindex');
      next();
    });
  }
  const access = settings.access;
  if (access) {
    const challenge = `Basic realm="${realmOf(campaignName, settings.name)}", charset="UTF-8"`;
    handlers.push(function basicAuth(req, res, next) {
      if ((req.method === 'GET' || req.method === 'HEAD') && OPEN_PATHS.has(req.path))
        return next();
      const given = basicCredentials(req.get('authorization'));
      // Both compared every time, so that a right user name takes no longer to refuse than a wrong one.
      const userMatches = equalInConstantTime(access.user, given?.user);
      const passwordMatches = equalInConstantTime(access.password, given?.password);
      if (userMatches && passwordMatches) return next();
      res
        .status(401)
        .set('WWW-Authenticate', challenge)
        .set('Cache-Control', 'no-store')
        .type('text/plain')
        .send(
          `This site (${TITLES[settings.name]}) is private: ask the team for its user name ` +
            'and password, then reload the page.\n',
        );
    });
  }
  const banner = environmentBanner(settings);
  if (banner) {
    handlers.push(function showBanner(_req, res, next) {
      res.locals.banner = banner;
      next();
    });
  }
  return handlers;
}

export const environmentModule: AppModule = {
  middleware: (deps) => ({
    early: environmentMiddleware(deps.config.environment, deps.config.campaign.name),
  }),
};
