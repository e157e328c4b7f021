// Startup helper for entry points: a configuration problem ends the process with every fix listed.
import { ConfigError, loadConfig, type Config } from '../config.ts';

export function loadConfigOrExit(): Config {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(
      `${err.message}\n\nSet these variables in .env for local runs (see .env.example),\n` +
        `or on Heroku with: heroku config:set NAME=value\n`,
    );
    process.exit(1);
  }
}
