// The backing services a process has opened (factor IV): each is checked before the process says it is
// up and by /healthz, can tell an outage from a bug, and is closed at shutdown.
import type { StartupError } from './startup.ts';

export interface BackingService {
  /** Short and public, as /healthz shows it: "database". */
  readonly name: string;
  /** Resolves when the service answers; rejects with the reason when it does not. */
  check(): Promise<void>;
  /** The one clear line (and what to check) when the service does not answer at start. */
  unreachable(err: unknown): StartupError;
  /** A sentence for visitors when `err` means this service is away right now; else undefined. */
  describeOutage(err: unknown): string | undefined;
  close(): Promise<void>;
}

/**
 * How long closing the backing services may take. A service that hangs (its packets dropped) would
 * hold the process until the platform's SIGKILL; SHUTDOWN_TIMEOUT_MS is at most 28 s, so with this a
 * process has gone before the 30 s are up.
 */
export const CLOSE_TIMEOUT_MS = 1000;

/** `work`'s outcome, or the error `late` makes when it has not settled within `ms`. */
export async function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  late: (ms: number) => Error,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late(ms)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  checks: Record<string, 'ok' | 'down'>;
  /** Why each failing check failed: for the log, never for the public answer. */
  failures: Record<string, string>;
}

export class BackingServices {
  readonly #services: BackingService[] = [];

  /** Registers an opened service; returns it, so that opening and registering read as one line. */
  add<T extends BackingService>(service: T): T {
    this.#services.push(service);
    return service;
  }

  get names(): string[] {
    return this.#services.map((s) => s.name);
  }

  /**
   * Checks every service side by side before the process says it is up. When one does not answer,
   * closes them all and throws that service's StartupError.
   */
  async ready(): Promise<void> {
    const results = await Promise.allSettled(this.#services.map((service) => service.check()));
    const failed = results.findIndex((result) => result.status === 'rejected');
    if (failed === -1) return;
    await this.close().catch(() => undefined);
    throw this.#services[failed]!.unreachable((results[failed] as PromiseRejectedResult).reason);
  }

  /** The visitor's sentence for an error that is an outage of one of the services. */
  describeOutage(err: unknown): string | undefined {
    for (const service of this.#services) {
      const sentence = service.describeOutage(err);
      if (sentence !== undefined) return sentence;
    }
    return undefined;
  }

  #checking: Promise<HealthReport> | undefined;

  /**
   * Checks every service side by side; a check that takes longer than `timeoutMs` has failed. Callers
   * that ask while a check runs share its report: a flood of /healthz costs each service one check at
   * a time, not one per request.
   */
  health(timeoutMs = 2000): Promise<HealthReport> {
    this.#checking ??= this.#check(timeoutMs).finally(() => (this.#checking = undefined));
    return this.#checking;
  }

  async #check(timeoutMs: number): Promise<HealthReport> {
    const results = await Promise.all(
      this.#services.map(async (service) => {
        const { name } = service;
        try {
          await withDeadline(
            service.check(),
            timeoutMs,
            (ms) => new Error(`no answer within ${ms} ms`),
          );
          return { name, error: undefined };
        } catch (err) {
          return { name, error: err instanceof Error ? err.message : String(err) };
        }
      }),
    );
    const report: HealthReport = { status: 'ok', checks: {}, failures: {} };
    for (const { name, error } of results) {
      report.checks[name] = error === undefined ? 'ok' : 'down';
      if (error !== undefined) {
        report.status = 'degraded';
        report.failures[name] = error;
      }
    }
    return report;
  }

  /**
   * Closes every service side by side, none for longer than `timeoutMs`: one that hangs must not keep
   * the process, or the others, waiting. Rejects naming each service that did not close.
   */
  async close(timeoutMs = CLOSE_TIMEOUT_MS): Promise<void> {
    const failures: string[] = [];
    await Promise.all(
      this.#services.map(async (service) => {
        try {
          await withDeadline(
            service.close(),
            timeoutMs,
            (ms) => new Error(`still open after ${ms} ms`),
          );
        } catch (err) {
          failures.push(`${service.name} (${err instanceof Error ? err.message : String(err)})`);
        }
      }),
    );
    if (failures.length > 0) throw new Error(`could not close ${failures.join(', ')}`);
  }
}
