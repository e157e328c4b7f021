// How often a process logs its runtime metrics: every minute in production, never elsewhere unless asked.
import { z } from 'zod';
import { configPart } from '../config.ts';

export const runtimeMetricsConfig = configPart({
  variables: {
    // 0 turns them off; Heroku's own log-runtime-metrics samples every 20 s, beside these.
    RUNTIME_METRICS_SECONDS: z.coerce.number().int().min(0).max(3600).optional(),
  },
  settings: (v, { production }) => ({
    intervalMs: (v.RUNTIME_METRICS_SECONDS ?? (production ? 60 : 0)) * 1000,
  }),
});
