// The composition root: builds the Express app from its dependencies and the module list.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import helmet from 'helmet'; // @step 2+
import { pinoHttp } from 'pino-http';
import type { Deps } from './deps.ts';
import { modules, type AppModule } from './modules.ts';
import { sessions } from './platform/session.ts'; // @step 2+
import { csrfProtection } from './web/csrf.ts'; // @step 2+
import { errorHandler, notFoundHandler } from './web/errors.ts';
import { sessionLocals } from './web/session-locals.ts'; // @step 2+

const require = createRequire(import.meta.url);
// The CSS framework ships inside node_modules, so the site works offline and needs no CDN.
const picoDir = path.dirname(require.resolve('@picocss/pico/css/pico.min.css'));
// public/ sits at the project root, one level above src/ and two above the compiled dist/src/.
const here = path.dirname(fileURLToPath(import.meta.url));
const compiled = path.basename(path.dirname(here)) === 'dist';
const publicDir = path.resolve(here, compiled ? '../../public' : '../public');

export function createApp(deps: Deps, appModules: readonly AppModule[] = modules): Express {
  const app = express();
  app.disable('x-powered-by');
  // Heroku's router ends TLS and forwards the request: trust its one hop for the client's IP and protocol.
  app.set('trust proxy', 1);
  app.use((_req, res, next) => {
    res.locals.siteName = deps.config.campaign.name;
    next();
  });
  // @step 2+
  app.use(
    helmet({
      contentSecurityPolicy: {
        // Plain http://localhost must keep loading its own CSS in development.
        directives: { upgradeInsecureRequests: deps.config.production ? [] : null },
      },
    }),
  );
  // @end

  app.use(
    pinoHttp({
      logger: deps.logger,
      // Uptime monitors poll /healthz every few seconds; logging each poll would bury the real traffic.
      autoLogging: { ignore: (req) => req.url === '/healthz' },
      customSuccessMessage: (req, res, ms) =>
        `${req.method} ${req.url} ${res.statusCode} ${Math.round(ms)}ms`,
      customErrorMessage: (req, res) => `${req.method} ${req.url} ${res.statusCode} failed`,
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
      serializers: {
        req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  app.use('/assets/pico', express.static(picoDir, { maxAge: '1d' }));
  app.use('/assets', express.static(publicDir, { maxAge: '1h' }));
  // @step 2+
  // Forms only, and small: a field over the limit gets a clear 413 rather than a long parse.
  app.use(express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 20 }));
  app.use(sessions(deps.config.session, deps.sessionStore));
  app.use(csrfProtection);
  app.use(sessionLocals);
  // @end

  // #region modules
  for (const module of appModules) app.use(module.routes(deps));

  app.use(notFoundHandler);
  app.use(errorHandler);
  // #endregion
  return app;
}
