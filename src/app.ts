// The composition root: builds the Express app from its dependencies and the module list.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Deps } from './deps.ts';
import { modules, type AppModule, type ContentSources } from './modules.ts';
import { badRequest } from './platform/http-errors.ts';
import { requestLogger } from './web/request-log.ts';
import { errorHandler, notFoundHandler } from './web/errors.ts';
// @step 2+
import { accountMenu } from './accounts/account-menu.ts';
import { sessions } from './platform/session.ts';
import { csrfProtection } from './web/csrf.ts';
import { formBody } from './web/forms.ts';
// @end
import { servedBy } from './platform/cluster.ts'; // @step 5+

const require = createRequire(import.meta.url);
// The CSS framework ships inside node_modules, so the site works offline and needs no CDN.
const picoDir = path.dirname(require.resolve('@picocss/pico/css/pico.min.css'));
// public/ sits at the project root, one level above src/ and two above the compiled dist/src/.
const here = path.dirname(fileURLToPath(import.meta.url));
const compiled = path.basename(path.dirname(here)) === 'dist';
const publicDir = path.resolve(here, compiled ? '../../public' : '../public');

/** helmet's policy, opened to exactly the origins the modules name (a bucket, say) and no more. */
function contentSecurity(deps: Deps, appModules: Readonly<Record<string, AppModule>>) {
  const sources: Required<ContentSources> = { formAction: [], connectSrc: [], imgSrc: [] };
  for (const module of Object.values(appModules)) {
    const own = module.contentSources?.(deps) ?? {};
    for (const key of Object.keys(sources) as (keyof ContentSources)[]) {
      sources[key].push(...(own[key] ?? []));
    }
  }
  return {
    formAction: ["'self'", ...sources.formAction],
    connectSrc: ["'self'", ...sources.connectSrc],
    imgSrc: ["'self'", 'data:', ...sources.imgSrc],
    // Plain http://localhost must keep loading its own CSS in development.
    upgradeInsecureRequests: deps.config.production ? [] : null,
  };
}

export function createApp(
  deps: Deps,
  appModules: Readonly<Record<string, AppModule>> = modules,
): Express {
  const app = express();
  app.disable('x-powered-by');
  // Heroku's router ends TLS and forwards the request: trust its one hop for the client's IP and protocol.
  app.set('trust proxy', 1);
  app.use(requestLogger(deps.logger));
  app.use(servedBy(deps.config.dyno)); // @step 5+
  app.use((req, res, next) => {
    res.locals.siteName = deps.config.campaign.name;
    // "*" (OPTIONS *), "host:443" (CONNECT) and "http://host/" (proxies) name no page of this site.
    if (!req.url.startsWith('/')) throw badRequest('This server only answers requests for a path.');
    next();
  });
  app.use(helmet({ contentSecurityPolicy: { directives: contentSecurity(deps, appModules) } }));
  app.use('/assets/pico', express.static(picoDir, { maxAge: '1d' }));
  app.use('/assets', express.static(publicDir, { maxAge: '1h' }));
  // @step 2+
  app.use(formBody);
  app.use(sessions(deps.config.session, deps.sessionStore));
  app.use(csrfProtection(deps.config.session));
  app.use(accountMenu);
  // @end

  for (const module of Object.values(appModules)) app.use(module.routes(deps));

  app.use(notFoundHandler);
  app.use(errorHandler(deps.services));
  return app;
}
