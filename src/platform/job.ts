// One-off jobs (`npm run job -- <name>` locally, `node dist/src/job.js <name>` on Heroku Scheduler or
// in `heroku run`): each validates only the config parts it uses, shows progress when a person
// watches, stops after the batch in hand on SIGTERM, exits non-zero when it did not finish, and always
// writes one summary log line.
import { randomUUID } from 'node:crypto'; // @step 8+
import { constants } from 'node:os';
import type { DestinationStream } from 'pino';
import { ConfigError, loadConfig, type Config, type Env, type Parts } from '../config.ts';
import { BackingServices } from './backing-services.ts';
import { missingTable } from './db.ts';
import { messageOf } from './errors.ts';
import { createLogger, type Logger } from './logger.ts';
import { createProgress, type Progress } from './progress.ts';
import { StartupError } from './startup.ts';

export interface JobContext<C> {
  config: C;
  logger: Logger;
  /** Register what the job opens here: it is checked by `ready()` and closed after the job. */
  services: BackingServices;
  progress: Progress;
  /** Aborted by SIGTERM or Ctrl-C: finish the batch in hand, then return. */
  signal: AbortSignal;
  now: () => Date;
}

/** What a job says it did: one sentence, and the figures that go into the summary line. */
export interface JobResult {
  message: string;
  [field: string]: unknown;
}

export interface Job<P extends Parts = Parts> {
  /** One line for the list of jobs. */
  summary: string;
  /** The config parts it reads, and no others. */
  parts: P;
  run(context: JobContext<Config<P>>): Promise<JobResult>;
}

export const defineJob = <P extends Parts>(job: Job<P>): Job<P> => job;

export type Jobs = Readonly<Record<string, Job>>;

export interface RunJobOptions {
  env: Env;
  /** Where progress is drawn (stderr): a terminal gets a redrawn line. */
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  signal?: AbortSignal;
  now?: () => Date;
  /** Where log lines go instead of stdout (tests). */
  logDestination?: DestinationStream;
}

export function jobList(jobs: Jobs): string {
  const width = Math.max(...Object.keys(jobs).map((name) => name.length));
  return Object.entries(jobs)
    .map(([name, job]) => `  ${name.padEnd(width)}  ${job.summary}`)
    .join('\n');
}

function jobNamed(jobs: Jobs, argv: readonly string[]): [string, Job] {
  const [name, ...rest] = argv;
  const usage = `The jobs are:\n${jobList(jobs)}\nRun one with npm run job -- <name> (on Heroku: node dist/src/job.js <name>).`;
  if (name === undefined || name === '') throw new StartupError('which job? Name one', usage);
  const job = Object.hasOwn(jobs, name) ? jobs[name] : undefined;
  if (!job) throw new StartupError(`there is no job called "${name}"`, usage);
  if (rest.length > 0) {
    throw new StartupError(
      `${name} takes no arguments (got ${rest.join(' ')})`,
      'Jobs read their settings from the environment: see .env.example.',
    );
  }
  return [name, job];
}

const exitCodeOf = (signal: string | undefined) =>
  signal ? 128 + (constants.signals[signal as NodeJS.Signals] ?? 15) : 1;

/** Runs the named job; resolves to the process's exit code. */
export async function runJob(
  argv: readonly string[],
  jobs: Jobs,
  options: RunJobOptions,
): Promise<number> {
  const [name, job] = jobNamed(jobs, argv);
  // The core config (how to log) first, so that even a job refused for its config leaves a summary line.
  const core = loadConfig(options.env, {});
  const logger = createLogger(core.log, options.logDestination).child({
    job: name,
    runId: randomUUID(), // @step 8+
  });
  const started = performance.now();
  const summary = (fields: Record<string, unknown>) => ({
    outcome: 'done',
    ms: Math.round(performance.now() - started),
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    ...fields,
  });
  let config: Config<Parts>;
  try {
    config = loadConfig(options.env, job.parts);
  } catch (err) {
    if (err instanceof ConfigError) {
      logger.error(
        summary({ outcome: 'failed', problems: err.problems }),
        `${name} did not start: invalid configuration`,
      );
    }
    throw err;
  }
  const signal = options.signal ?? new AbortController().signal;
  const services = new BackingServices();
  const progress = createProgress({ label: name, stream: options.stderr, logger });
  const stopping = () => {
    progress.clear();
    logger.info(`${name} stopping after the batch in hand (${String(signal.reason ?? 'signal')})`);
  };
  signal.addEventListener('abort', stopping, { once: true });
  try {
    const { message, ...fields } = await job.run({
      config,
      logger,
      services,
      progress,
      signal,
      now: options.now ?? (() => new Date()),
    });
    progress.finish();
    const counts = { done: progress.done, total: progress.total };
    if (signal.aborted) {
      logger.warn(
        summary({ outcome: 'stopped', ...counts, ...fields }),
        `${name} stopped before the end (${message}); the next run carries on from there`,
      );
      return exitCodeOf(typeof signal.reason === 'string' ? signal.reason : undefined);
    }
    logger.info(summary({ ...counts, ...fields }), `${name}: ${message}`);
    return 0;
  } catch (err) {
    progress.finish();
    // A database not migrated yet was already said once, with what to run (openDatabase).
    const table = missingTable(err);
    logger.error(
      summary({
        outcome: 'failed',
        done: progress.done,
        total: progress.total,
        ...(table === undefined ? { err } : { table }),
      }),
      `${name} failed: ${table === undefined ? messageOf(err) : `the ${table} table does not exist`}`,
    );
    // The entry point prints what to do about a problem it knows; the log line has the rest.
    if (err instanceof StartupError) throw err;
    return 1;
  } finally {
    signal.removeEventListener('abort', stopping);
    await services
      .close()
      .catch((err: unknown) => logger.warn({ err }, 'closing the backing services'));
  }
}
