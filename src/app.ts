// The composition root: builds the Express app from its dependencies and the module list.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type {
  AppModules,
  ContentSources,
  Extensions,
  MiddlewarePlace,
  PageSections,
  TransportSecurity,
} from './app-module.ts';
import type { Deps } from './deps.ts';
import { modules } from './modules.ts';
import { badRequest } from './platform/http-errors.ts';
import { requestLogger } from './web/request-log.ts';
import { errorHandler, notFoundHandler } from './web/errors.ts';

const require = createRequire(import.meta.url);
// The CSS framework ships inside node_modules, so the site works offline and needs no CDN.
const picoDir = path.dirname(require.resolve('@picocss/pico/css/pico.min.css'));
// public/ sits at the project root, one level above src/ and two above the compiled dist/src/.
const here = path.dirname(fileURLToPath(import.meta.url));
const compiled = path.basename(path.dirname(here)) === 'dist';
const publicDir = path.resolve(here, compiled ? '../../public' : '../public');

/**
 * The Content-Security-Policy: nothing is allowed unless a directive here names it, nothing inline, and
 * other origins only as the modules name them (a bucket, say).
 */
function contentSecurity(deps: Deps, appModules: AppModules) {
  const sources: Required<ContentSources> = { formAction: [], connectSrc: [], imgSrc: [] };
  for (const module of Object.values(appModules)) {
    const own = module.contentSources?.(deps) ?? {};
    for (const key of Object.keys(sources) as (keyof ContentSources)[]) {
      sources[key].push(...(own[key] ?? []));
    }
  }
  return {
    // helmet's default is 'self' for whatever is not named, and inline styles too: this site names each
    // kind of resource it loads, and keeps every style in a stylesheet.
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    fontSrc: ["'self'"],
    formAction: ["'self'", ...sources.formAction],
    connectSrc: ["'self'", ...sources.connectSrc],
    imgSrc: ["'self'", 'data:', ...sources.imgSrc],
    // Plain http://localhost must keep loading its own CSS in development.
    upgradeInsecureRequests: deps.config.production ? [] : null,
  };
}

/** The HSTS policy of the module that owns HTTPS, or else helmet's: a year, subdomains included. */
function transportSecurity(deps: Deps, appModules: AppModules): TransportSecurity | true {
  for (const module of Object.values(appModules)) {
    const policy = module.transportSecurity?.(deps);
    if (policy !== undefined) return policy;
  }
  return true;
}

/** What each module offers the others, gathered once: the sections of each page, in module order. */
function extensionsOf(deps: Deps, appModules: AppModules): Extensions {
  const offered = Object.values(appModules).map((module) => module.sections?.(deps) ?? {});
  return {
    sections: (page: keyof PageSections) => offered.flatMap((own) => own[page] ?? []),
  };
}

export function createApp(deps: Deps, appModules: AppModules = modules): Express {
  const app = express();
  const middleware = Object.values(appModules).map((module) => module.middleware?.(deps) ?? {});
  const mount = (place: MiddlewarePlace) => {
    for (const own of middleware) for (const handler of own[place] ?? []) app.use(handler);
  };
  app.disable('x-powered-by');
  // Heroku's router ends TLS and forwards the request: trust its one hop for the client's IP and protocol.
  app.set('trust proxy', 1);
  mount('first');
  app.use(requestLogger(deps.logger));
  app.use(function sitePath(req, res, next) {
    res.locals.siteName = deps.config.campaign.name;
    // "*" (OPTIONS *), "host:443" (CONNECT) and "http://host/" (proxies) name no page of this site.
    if (!req.url.startsWith('/')) throw badRequest('This server only answers requests for a path.');
    next();
  });
  mount('early');
  app.use(
    helmet({
      contentSecurityPolicy: { directives: contentSecurity(deps, appModules) },
      strictTransportSecurity: transportSecurity(deps, appModules),
    }),
  );
  app.use('/assets/pico', express.static(picoDir, { maxAge: '1d' }));
  app.use('/assets', express.static(publicDir, { maxAge: '1h' }));
  mount('page');

  const extensions = extensionsOf(deps, appModules);
  for (const module of Object.values(appModules)) {
    if (module.routes) app.use(module.routes(deps, extensions));
  }

  app.use(notFoundHandler);
  app.use(errorHandler(deps.services));
  return app;
}
