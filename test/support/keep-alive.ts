// Clients that loop on one keep-alive connection each, as a router or a browser does: to see what a
// SIGTERM does to the requests already on their way.
import { Agent, request } from 'node:http';

export interface KeepAliveCounts {
  /** Answered with the expected status. */
  answered: number;
  /** Answered after `signalled()` was called. */
  answeredAfterSignal: number;
  /** Clients whose last answer said `Connection: close`: the server asked them to go elsewhere. */
  toldToLeave: number;
  /** A request that got no answer because its connection was reset or closed under it. */
  resets: number;
  /** Any other failure: a wrong status, or an error other than a reset or a refusal. */
  errors: number;
  /** A new connection refused: the server has stopped listening. */
  refused: number;
  /** The first few failures, for an assertion's message. */
  problems: string[];
}

export interface KeepAliveLoad {
  counts: KeepAliveCounts;
  /** Resolves once every client's first request has settled: each then holds its connection. */
  established: Promise<void>;
  /** Notes the moment of the signal: answers from then on are counted apart. */
  signalled(): void;
  /** Resolves once every client has stopped. */
  done: Promise<KeepAliveCounts>;
}

/**
 * `clients` loops of GET `url`, each on a keep-alive connection of its own, until `stopAfterMs` has
 * passed or the server says `Connection: close` or refuses (a router would then go elsewhere).
 */
export interface KeepAliveOptions {
  clients?: number;
  stopAfterMs?: number;
  expected?: number;
  headers?: Record<string, string>;
}

export function keepAliveLoad(
  url: string,
  { clients = 50, stopAfterMs = 15_000, expected = 200, headers = {} }: KeepAliveOptions = {},
): KeepAliveLoad {
  const counts: KeepAliveCounts = {
    answered: 0,
    answeredAfterSignal: 0,
    toldToLeave: 0,
    resets: 0,
    errors: 0,
    refused: 0,
    problems: [],
  };
  let signalledAt: number | undefined;
  const when = () =>
    signalledAt === undefined
      ? 'before the signal'
      : `${Math.round(performance.now() - signalledAt)} ms after the signal`;
  const problem = (line: string) => {
    if (counts.problems.length < 5) counts.problems.push(line);
  };
  let waiting = clients;
  let allEstablished!: () => void;
  const established = new Promise<void>((resolve) => (allEstablished = resolve));
  const until = Date.now() + stopAfterMs;

  const once = (agent: Agent) =>
    new Promise<'again' | 'stop'>((resolve) => {
      const req = request(url, { agent, headers }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === expected) counts.answered += 1;
          else {
            counts.errors += 1;
            problem(`answered ${res.statusCode}, not ${expected}, ${when()}`);
          }
          if (signalledAt !== undefined) counts.answeredAfterSignal += 1;
          const closing = /\bclose\b/i.test(res.headers.connection ?? '');
          if (closing) counts.toldToLeave += 1;
          resolve(closing ? 'stop' : 'again');
        });
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        const on = req.reusedSocket ? 'an open connection' : 'a new connection';
        if (err.code === 'ECONNREFUSED') counts.refused += 1;
        else if (err.code === 'ECONNRESET' || err.code === 'EPIPE') {
          counts.resets += 1;
          problem(`${err.code} on ${on}, ${when()}`);
        } else {
          counts.errors += 1;
          problem(`${err.code ?? err.message} on ${on}, ${when()}`);
        }
        resolve('stop');
      });
      req.end();
    });

  const client = async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      let next = await once(agent);
      if (--waiting === 0) allEstablished();
      while (next === 'again' && Date.now() < until) next = await once(agent);
    } finally {
      agent.destroy();
    }
  };
  const done = Promise.all(Array.from({ length: clients }, client)).then(() => counts);
  return {
    counts,
    established,
    signalled: () => (signalledAt = performance.now()),
    done,
  };
}

/**
 * `clients` keep-alive loops on `url`; once each holds its connection, `signal()` (a SIGTERM) while
 * they go on. Resolves with what they saw once every client has stopped.
 */
export async function signalDuringLoad(
  url: string,
  signal: () => void,
  { settleMs = 300, ...options }: KeepAliveOptions & { settleMs?: number } = {},
): Promise<KeepAliveCounts> {
  const load = keepAliveLoad(url, options);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(resolve, 10_000, 'late')));
  const ready = await Promise.race([load.established, late]);
  clearTimeout(timer);
  if (ready === 'late') {
    throw new Error(
      `not every client had an answer within 10 s: ${load.counts.problems.join('; ')}`,
    );
  }
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  load.signalled();
  signal();
  return load.done;
}
