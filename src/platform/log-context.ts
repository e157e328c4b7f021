// What every log line of one piece of work carries without being handed it: the request id on a web
// request, the outbox message's request id in the worker. One AsyncLocalStorage, read by the logger.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface LogContext {
  /** The router's X-Request-ID, or one the app made: the same on web, outbox and worker lines. */
  readonly requestId?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/** Runs `work` with `context` on every log line it writes, through awaits, timers and callbacks. */
export function withLogContext<T>(context: LogContext, work: () => T): T {
  return storage.run(context, work);
}

/** The context of the work in hand, or an empty one outside any. */
export function logContext(): LogContext {
  return storage.getStore() ?? {};
}
