// Listens on a port and shuts down cleanly: on SIGTERM it stops accepting, answers what is in flight or
// already on its way, closes dependencies and exits before the platform's 30-second SIGKILL.
import { once } from 'node:events';
import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer, type AddressInfo } from 'node:net';
import { messageOf } from './errors.ts';
import type { Logger } from './logger.ts';
import { StartupError } from './startup.ts';

// Heroku's router gives up on a request after 30 s (H12): a client that is slower than this to send
// its headers, or its whole request, gets a 408 and its connection closed, rather than being held
// for Node's default of five minutes.
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 20_000;

// After SIGTERM, a keep-alive connection may already carry its client's next request: one that comes
// within this grace is answered; a connection still idle then is closed.
export const KEEP_ALIVE_GRACE_MS = 1500;

export interface ServeOptions {
  port: number;
  logger: Logger;
  shutdownTimeoutMs: number;
  /** Tests shorten these; see HEADERS_TIMEOUT_MS and REQUEST_TIMEOUT_MS. */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  /**
   * Closes what the app opened (database pools, queues) once the last request has finished, or at
   * the deadline. It needs a bound of its own, as BackingServices.close has: the process exits once
   * it settles.
   */
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
  // sockets end with the response instead of holding close() open until they time out. First in line,
  // so that the header is set before a handler can answer.
  const pending = new Set<ServerResponse>();
  let stopping = false;
  let graceOver = false;
  server.prependListener('request', (_req, res: ServerResponse) => {
    if (stopping) res.setHeader('Connection', 'close');
    pending.add(res);
    res.on('close', () => {
      pending.delete(res);
      // A response begun before SIGTERM leaves its connection open: closed here after the grace.
      if (graceOver) server.closeIdleConnections();
    });
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

  // http's close() would also drop idle keep-alive connections at once, and with them a request
  // already on its way: net's only stops listening. The idle ones go once the grace is over.
  const drain = async (timeoutMs: number): Promise<void> => {
    const drained = new Promise((resolve) => NetServer.prototype.close.call(server, resolve));
    const grace = setTimeout(() => {
      graceOver = true;
      server.closeIdleConnections();
    }, KEEP_ALIVE_GRACE_MS);
    const deadline = Promise.withResolvers<void>();
    const force = setTimeout(() => {
      logger.error({ timeoutMs }, 'requests still running at the deadline: closing them');
      server.closeAllConnections();
      deadline.resolve();
    }, timeoutMs);
    await Promise.race([drained, deadline.promise]);
    clearTimeout(force);
    clearTimeout(grace);
  };

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
    // At the deadline the process moves on, whatever is still open; onClose has a bound of its own.
    closing = drain(options.shutdownTimeoutMs)
      .then(() => options.onClose?.())
      .then(() => logger.info('shutdown complete'));
    return closing;
  };

  return { server, port, shutdown };
}

/**
 * Wires SIGTERM (the platform) and SIGINT (Ctrl-C) to a clean shutdown and a zero exit code; a shutdown
 * that could not close everything still exits, with 1 and one line saying what was left open.
 */
export function exitOnSignals(running: RunningServer, logger: Logger): void {
  const onSignal = (signal: NodeJS.Signals) => {
    running.shutdown(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.fatal({ err }, `shutdown did not finish, exiting anyway: ${messageOf(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
