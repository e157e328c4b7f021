// One log line per request: method, the path as the visitor asked for it, status and time.
import type { IncomingMessage } from 'node:http';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../platform/logger.ts';

const MAX_PATH = 200;

/**
 * The path as requested (a mounted router sees less of it), without the query, which may hold
 * tokens, and cut short: a 15 kB URL must not make a 15 kB log line.
 */
export function loggedPath(req: IncomingMessage & { originalUrl?: string }): string {
  const target = req.originalUrl ?? req.url ?? '';
  const end = target.indexOf('?');
  const path = end === -1 ? target : target.slice(0, end);
  return path.length > MAX_PATH ? `${path.slice(0, MAX_PATH)}…` : path;
}

export function requestLogger(logger: Logger) {
  return pinoHttp({
    logger,
    // Uptime monitors poll /healthz every few seconds; logging each poll would bury the real traffic.
    autoLogging: { ignore: (req) => req.url === '/healthz' },
    customSuccessMessage: (req, res, ms) =>
      `${req.method} ${loggedPath(req)} ${res.statusCode} ${Math.round(ms)}ms`,
    customErrorMessage: (req, res) => `${req.method} ${loggedPath(req)} ${res.statusCode} failed`,
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    // The path is in the message already: the fields hold what the message does not.
    serializers: {
      req: (req: { method: string }) => ({ method: req.method }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}
