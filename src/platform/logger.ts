// Creates the pino logger: JSON lines on stdout for the platform, or readable lines for a person.
import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export interface LoggerOptions {
  level: string;
  pretty: boolean;
}

export function createLogger(options: LoggerOptions, destination?: DestinationStream): Logger {
  const stream =
    destination ??
    (options.pretty
      ? pretty({
          sync: true,
          singleLine: true,
          ignore: 'pid,hostname,req,res,responseTime',
          translateTime: 'HH:MM:ss',
        })
      : pino.destination({ fd: 1, sync: true }));
  return pino({ level: options.level, base: { pid: process.pid } }, stream);
}
