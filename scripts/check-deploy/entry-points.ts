// What each production process validates at start: the config parts of web, worker, the release phase, the
// telemetry preload and every job, as their entry points pass them to loadConfig.
import type { Parts } from '../../src/config.ts';
import { webParts } from '../../src/deps.ts';
import { smtpConfig } from '../../src/email/email.config.ts';
import { jobs } from '../../src/jobs.ts';
import { databaseConfig } from '../../src/platform/db.config.ts';
import { runtimeMetricsConfig } from '../../src/platform/runtime-metrics.config.ts';
import { telemetryConfig } from '../../src/platform/telemetry.config.ts';

/**
 * The parts by process. web and the jobs come from their own modules; src/worker.ts, src/migrate.ts and
 * src/telemetry.ts name theirs inline, where importing them would start them, so they are repeated here
 * (test/check-deploy/entry-points.test.ts starts each with an empty production config and compares).
 */
export const ENTRY_POINTS: Readonly<Record<string, Parts>> = {
  web: webParts,
  worker: { database: databaseConfig, smtp: smtpConfig, metrics: runtimeMetricsConfig },
  release: { database: databaseConfig },
  'telemetry preload': { telemetry: telemetryConfig },
  ...Object.fromEntries(Object.entries(jobs).map(([name, job]) => [`job ${name}`, job.parts])),
};

export interface ScheduledJob {
  readonly name: string;
  /** What the job's summary asks for: "hourly", "daily"… */
  readonly every: string;
  readonly command: string;
}

/** The jobs Scheduler must run, with the frequency each job's summary gives ("… run it hourly"). */
export function scheduledJobs(): ScheduledJob[] {
  return Object.entries(jobs).map(([name, job]) => ({
    name,
    every: /run it ([\w ]+?)\)?$/.exec(job.summary)?.[1] ?? 'as its summary says',
    command: `node dist/src/job.js ${name}`,
  }));
}
