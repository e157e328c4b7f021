// Listens on a port and shuts down cleanly: on SIGTERM it stops accepting, lets in-flight requests
// finish, closes dependencies and exits 0 before the platform's 30-second SIGKILL.
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';
import { createServer } from 'node:http';
import type { Logger } from './logger.ts';

export interface ServeOptions {
  port: number;
  logger: Logger;
  shutdownTimeoutMs: number;
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
  const server = createServer(handler);
  server.listen(options.port);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;

  // #region shutdown
  let closing: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    if (closing) {
      logger.info({ reason }, 'shutdown already in progress');
      return closing;
    }
    logger.info({ reason }, 'shutting down: no new connections, finishing in-flight requests');
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
      // Keep-alive connections with no request in flight would hold close() open until they time out.
      server.closeIdleConnections();
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
