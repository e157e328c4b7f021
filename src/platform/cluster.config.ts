// Concurrency's part of the config (factor VIII): how many web processes a dyno runs side by side.
import { z } from 'zod';
import { configPart } from '../config.ts';
import { SHUTDOWN_TIMEOUT_MS } from '../web/web.config.ts';

export const clusterConfig = configPart({
  variables: {
    // Heroku's Node buildpack sets it from the dyno's memory: 1 on a 512 MB dyno, 2 on 1 GB, and so on.
    WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
    SHUTDOWN_TIMEOUT_MS,
  },
  settings: (v) => ({ processes: v.WEB_CONCURRENCY, shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS }),
});
