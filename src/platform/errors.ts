// An error as one line of text, for logs and for what a launcher or a start-up failure says.

/**
 * The error's message. An AggregateError (a connection refused at each address of a host) gives its first
 * error's; an error with no message gives its code (ECONNREFUSED) or the name of its class.
 */
export function messageOf(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return messageOf(err.errors[0]);
  if (err instanceof Error)
    return err.message || (err as { code?: string }).code || err.constructor.name;
  return String(err);
}
