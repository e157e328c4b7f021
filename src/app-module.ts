// What a feature module can contribute to the app: its routes, middleware for every request with its
// place in the order, the origins its pages need, sections of other modules' pages, and the HSTS policy.
import type { Request, RequestHandler, Router } from 'express';
import type { Deps } from './deps.ts';
import type { SafeHtml } from './platform/html.ts';

/**
 * Where a module's request-wide middleware runs, in this order (app.ts mounts them so):
 * - `first`: before anything else, the request log included; for what the log must already see (a
 *   request id) and what every answer carries, whatever happens next (which process answered).
 * - `early`: after the request log and before the static assets; for what answers or marks every
 *   request: a redirect, a password gate, a response header.
 * - `page`: after the static assets, before any module's routes; for what pages need: the form body,
 *   the session, CSRF tokens, what the layout shows.
 * Within a place, modules go in the order of the module list.
 */
export const MIDDLEWARE_PLACES = ['first', 'early', 'page'] as const;
export type MiddlewarePlace = (typeof MIDDLEWARE_PLACES)[number];

/** Origins other than this site's that a module's pages use, by Content-Security-Policy directive. */
export interface ContentSources {
  formAction?: string[];
  connectSrc?: string[];
  imgSrc?: string[];
}

/** A part of another module's page; its page is named by an extension point such as `myPage`. */
export type PageSection = (req: Request) => Promise<SafeHtml>;

/** The pages whose sections other modules may fill, by extension point. */
export interface PageSections {
  /** "My page", below the account's details: called only for a logged-in participant. */
  myPage?: PageSection;
}

/** What the other modules offer to this one: the sections of its pages, in module order. */
export interface Extensions {
  sections(page: keyof PageSections): PageSection[];
}

/** What Strict-Transport-Security tells browsers; false sends none. */
export type TransportSecurity = false | { maxAge: number; includeSubDomains: boolean };

export interface AppModule {
  /** Request-wide middleware, by its place in the order. */
  middleware?(deps: Deps): Partial<Record<MiddlewarePlace, RequestHandler[]>>;
  routes?(deps: Deps, extensions: Extensions): Router;
  /** What the module's pages need from elsewhere; nothing unless it says so. */
  contentSources?(deps: Deps): ContentSources;
  /** What the module shows on other modules' pages. */
  sections?(deps: Deps): PageSections;
  /** For the module that owns HTTPS: the site's Strict-Transport-Security policy. */
  transportSecurity?(deps: Deps): TransportSecurity;
}

export type AppModules = Readonly<Record<string, AppModule>>;
