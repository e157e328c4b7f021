// Creates the pino logger: JSON lines on stdout for the platform, or readable lines for a person.
import { pino, type DestinationStream, type Logger, type LoggerOptions as PinoOptions } from 'pino';
import pretty from 'pino-pretty';
// @step 8+
import { logContext } from './log-context.ts';
import { redactText } from './redaction.ts';
// @end

export type { Logger };

export interface LoggerOptions {
  level: string;
  pretty: boolean;
  /** Which process writes, as Heroku names it (web.2), when it does. */
  dyno?: string | undefined;
}

export function createLogger(options: LoggerOptions, destination?: DestinationStream): Logger {
  const stream =
    destination ??
    (options.pretty
      ? pretty({
          sync: true,
          singleLine: true,
          ignore: 'pid,dyno,hostname,req,res,responseTime',
          translateTime: 'HH:MM:ss',
        })
      : pino.destination({ fd: 1, sync: true }));
  const base =
    options.dyno === undefined ? { pid: process.pid } : { pid: process.pid, dyno: options.dyno };
  const settings: PinoOptions<never> = { level: options.level, base };
  // @step 8+
  // Each line carries the id of the request (or outbox message) in hand, and leaves through the
  // redaction list, whatever wrote it.
  settings.mixin = logContext;
  settings.hooks = { streamWrite: redactText };
  // @end
  return pino(settings, stream);
}
