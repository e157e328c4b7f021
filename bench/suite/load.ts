// One load run with autocannon's programmatic API: a fixed number of connections for a fixed time,
// with a progress line while it runs and the figures the report needs when it ends.
import autocannon from 'autocannon';

export interface LoadOptions {
  readonly url: string;
  readonly path: string;
  readonly connections: number;
  readonly seconds: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly method?: 'GET' | 'POST';
  readonly body?: string;
  /** Changes each request before it is sent (a new email address per signup, say). */
  readonly setupRequest?: (request: autocannon.Request) => autocannon.Request;
  /** The status a correct answer has; any other counts as unexpected. */
  readonly expect: number;
  readonly label: string;
}

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  /** Connection errors and timeouts. */
  readonly errors: number;
  /** Answers with another status than the expected one. */
  readonly unexpected: number;
  readonly answered: number;
  readonly statuses: Readonly<Record<string, number>>;
}

export function runLoad(
  options: LoadOptions,
  progress: (line: string) => void,
): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    let second = 0;
    let answered = 0;
    const instance = autocannon(
      {
        url: `${options.url}${options.path}`,
        connections: options.connections,
        duration: options.seconds,
        method: options.method ?? 'GET',
        headers: { ...options.headers },
        ...(options.body === undefined ? {} : { body: options.body }),
        ...(options.setupRequest ? { requests: [{ setupRequest: options.setupRequest }] } : {}),
      },
      (err, result) => {
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        const statuses = Object.fromEntries(
          Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [
            code,
            stat.count ?? 0,
          ]),
        );
        const total = Object.values(statuses).reduce((sum, count) => sum + count, 0);
        resolve({
          requestsPerSecond: total / result.duration,
          p50: result.latency.p50,
          p99: result.latency.p99,
          errors: result.errors,
          unexpected: total - (statuses[String(options.expect)] ?? 0),
          answered: total,
          statuses,
        });
      },
    );
    // The types leave out what autocannon passes to 'tick': the answers of the last second.
    (instance as NodeJS.EventEmitter).on('tick', (counter: { counter: number }) => {
      second += 1;
      answered += counter.counter;
      // autocannon ticks once more as it finishes: the run's own seconds are the ones to show.
      if (second > options.seconds) return;
      if (second % 2 === 0 || second === options.seconds) {
        progress(
          `${options.label}: ${second}/${options.seconds} s, ${Math.round(answered / second)} req/s`,
        );
      }
    });
  });
}
