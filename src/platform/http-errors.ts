// Typed HTTP errors: handlers throw these and the error middleware turns them into responses.
export interface HttpErrorOptions extends ErrorOptions {
  /** Sent as Retry-After: when the request may succeed if sent again. */
  retryAfterSeconds?: number;
}

export class HttpError extends Error {
  readonly status: number;
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, message: string, options?: HttpErrorOptions) {
    super(message, options);
    this.name = 'HttpError';
    this.status = status;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

export const notFound = (message = 'We could not find that page.') => new HttpError(404, message);

export const badRequest = (message: string) => new HttpError(400, message);

export const serviceUnavailable = (message: string, cause?: unknown) =>
  new HttpError(503, message, { cause });

/** The status to answer for any thrown value; body-parser and friends set `status` on their errors. */
export function statusOf(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  if (typeof err === 'object' && err !== null && 'status' in err) {
    const status = err.status;
    if (typeof status === 'number' && status >= 400 && status <= 599) return status;
  }
  return 500;
}
