// What every log line of one piece of work carries without being handed it: the request id on a web
// request, and on the worker's lines for the email that request queued. Read by the logger.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface LogContext {
  /** The router's X-Request-ID, or one the app made: the same on web, outbox and worker lines. */
  readonly requestId?: string | undefined;
}

const storage = new AsyncLocalStorage<LogContext>();

/** Runs `work` with `context` on every log line it writes, through awaits, timers and callbacks. */
export function withLogContext<T>(context: LogContext, work: () => T): T {
  return storage.run(context, work);
}

/**
 * Gives the rest of the running async function, and all it awaits, `context`: for a loop that takes
 * one piece of work at a time (an outbox message), where wrapping the rest in a callback would not
 * read. The caller's own context is left as it was.
 */
export function enterLogContext(context: LogContext): void {
  storage.enterWith(context);
}

/** The context of the work in hand, or an empty one outside any. */
export function logContext(): LogContext {
  return storage.getStore() ?? {};
}
