// Listens on a port and shuts down cleanly: on SIGTERM it stops accepting, lets in-flight requests
// finish, closes dependencies and exits 0 before the platform's 30-second SIGKILL.
import { once } from 'node:events';
import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './logger.ts';
import { StartupError } from './startup.ts';

// Heroku's router gives up on a request after 30 s (H12): a client that is slower than this to send
// its headers, or its whole request, gets a 408 and its connection closed, rather than being held
// for Node's default of five minutes.
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 20_000;

export interface ServeOptions {
  port: number;
  logger: Logger;
  shutdownTimeoutMs: number;
  /** Tests shorten these; see HEADERS_TIMEOUT_MS and REQUEST_TIMEOUT_MS. */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Closes what the app opened (database pools, queues) once the last request has finished. */
  onClose?: () => Promise<void>;
}

export interface RunningServer {
  server: Server;
  port: number;
  shutdown(reason: string): Promise<void>;
}

export async function serve(
  handler: RequestListener,
  options: ServeOptions,
): Promise<RunningServer> {
  const { logger } = options;
  const requestTimeout = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const server = createServer(
    {
      headersTimeout: Math.min(options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS, requestTimeout),
      requestTimeout,
      // How often Node looks for requests past their time; its default of 30 s would double the wait.
      connectionsCheckingInterval: Math.min(1000, requestTimeout / 2),
    },
    handler,
  );
  // Responses not yet sent when shutdown starts get `Connection: close`, so their keep-alive
  // sockets end with the response instead of holding close() open until they time out.
  const pending = new Set<ServerResponse>();
  let stopping = false;
  server.on('request', (_req, res: ServerResponse) => {
    if (stopping) res.setHeader('Connection', 'close');
    pending.add(res);
    res.on('close', () => pending.delete(res));
  });
  server.listen(options.port);
  try {
    await once(server, 'listening');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    throw new StartupError(
      `port ${options.port} is already in use`,
      'Stop the process that holds it, or set PORT to another port.',
      { cause: err },
    );
  }
  const port = (server.address() as AddressInfo).port;

  // #region shutdown
  let closing: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    if (closing) {
      logger.info({ reason }, 'shutdown already in progress');
      return closing;
    }
    stopping = true;
    logger.info(
      { reason, inFlight: pending.size },
      'shutting down: no new connections, finishing in-flight requests',
    );
    for (const res of pending) if (!res.headersSent) res.setHeader('Connection', 'close');
    // #endregion
    // #region shutdown-deadline
    const force = setTimeout(() => {
      logger.error(
        { timeoutMs: options.shutdownTimeoutMs },
        'requests still running at the deadline: closing them',
      );
      server.closeAllConnections();
    }, options.shutdownTimeoutMs);
    force.unref();
    closing = new Promise<void>((resolve) => {
      server.close(() => resolve());
    })
      .then(() => options.onClose?.())
      .then(() => {
        clearTimeout(force);
        logger.info('shutdown complete');
      });
    return closing;
  };
  // #endregion

  return { server, port, shutdown };
}

/** Wires SIGTERM (the platform) and SIGINT (Ctrl-C) to a clean shutdown and a zero exit code. */
export function exitOnSignals(running: RunningServer, logger: Logger): void {
  const onSignal = (signal: NodeJS.Signals) => {
    running.shutdown(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.fatal({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
