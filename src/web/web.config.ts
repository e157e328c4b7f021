// The web process's part of the config: the port it binds and how long a shutdown may take.
import { z } from 'zod';
import { configPart } from '../config.ts';

/** Shared with parts that build the local address from it. */
export const PORT = z.coerce.number().int().min(1).max(65535).default(3000);

/** How long a SIGTERM waits for the work in hand, in web and worker alike; see CLOSE_TIMEOUT_MS. */
export const SHUTDOWN_TIMEOUT_MS = z.coerce.number().int().min(1000).max(28000).default(25000);

export const webConfig = configPart({
  variables: {
    PORT,
    SHUTDOWN_TIMEOUT_MS,
  },
  settings: (v) => ({ port: v.PORT, shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS }),
});
