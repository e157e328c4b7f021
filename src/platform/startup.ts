// Runs an entry point (web, release, worker): a problem at startup ends the process with exit 1 and one
// clear message saying what to do, instead of a stack trace.
import { ConfigError } from '../config.ts';

/** A startup failure the user can fix; `hint` says how. */
export class StartupError extends Error {
  readonly hint: string;

  constructor(message: string, hint: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StartupError';
    this.hint = hint;
  }
}

export async function runEntryPoint(name: string, main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(
        `${name}: ${err.message}\n\nSet these variables in .env for local runs (npm run dev and npm start read it;\n` +
          `see .env.example), or on Heroku with: heroku config:set NAME=value\n`,
      );
    } else if (err instanceof StartupError) {
      process.stderr.write(`${name}: ${err.message}\n${err.hint}\n`);
    } else {
      process.stderr.write(`${name} failed:\n${err instanceof Error ? err.stack : String(err)}\n`);
    }
    process.exit(1);
  }
}
