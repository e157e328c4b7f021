// Network checks around the web process: is its port free before it starts, and when does it answer.
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A port that nothing listens on, tried on all interfaces: whoever gets it (the app, the launcher, a
 * pruned slug under workshop:verify) listens on all of them, and a port that is free on 127.0.0.1 may
 * still be taken on another address.
 */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** Whether something already listens on `port`, tried the way the app listens (all interfaces). */
export async function portInUse(port: number): Promise<boolean> {
  const server = createServer();
  server.listen(port);
  try {
    await once(server, 'listening');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') return true;
    throw err;
  }
  server.close();
  await once(server, 'close');
  return false;
}

export interface WaitOptions {
  /** Stops the waiting, e.g. on Ctrl-C or when the process has exited. */
  signal: AbortSignal;
  timeoutMs: number;
  intervalMs?: number;
}

/** Polls `url` until it answers at all; its status, or undefined when stopped or out of time. */
export async function firstAnswer(url: string, options: WaitOptions): Promise<number | undefined> {
  const signal = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]);
  while (!signal.aborted) {
    try {
      const res = await fetch(url, {
        signal: AbortSignal.any([signal, AbortSignal.timeout(1000)]),
      });
      await res.body?.cancel();
      return res.status;
    } catch {
      await sleep(options.intervalMs ?? 25, undefined, { signal }).catch(() => undefined);
    }
  }
  return undefined;
}

/** Whether something accepts a TCP connection at `host`:`port` within `timeoutMs`. */
export function connects(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}
