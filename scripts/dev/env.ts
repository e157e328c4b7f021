// Assembles the environment of the child processes: the real environment, then .env, then dev defaults.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';

export type Env = Readonly<Record<string, string | undefined>>;

/** What development uses for variables that neither the real environment nor .env sets. */
export const DEV_DEFAULTS: Readonly<Record<string, string>> = {
  NODE_ENV: 'development',
  LOG_FORMAT: 'pretty',
};

export const DEFAULT_PORT = 3000;

/** The variables of an env file, or undefined when there is none. */
export function readDotenv(file: string): Record<string, string> | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  // parseEnv is the parser behind process.loadEnvFile, so .env means the same here as under `node --env-file`.
  return parseEnv(text) as Record<string, string>;
}

/** Treats an empty value as unset, as the app's config does. */
export function isSet(env: Env, name: string): boolean {
  const value = env[name];
  return value !== undefined && value !== '';
}

/**
 * The base environment for every process. Like process.loadEnvFile, .env never overrides a variable
 * that the real environment has (even an empty one); defaults fill what is still unset or empty.
 */
export function assembleEnv(real: Env, dotenv: Env = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of [dotenv, real]) {
    for (const [name, value] of Object.entries(source)) {
      if (value !== undefined) env[name] = value;
    }
  }
  for (const [name, value] of Object.entries(DEV_DEFAULTS)) {
    if (!isSet(env, name)) env[name] = value;
  }
  return env;
}

// Set to 1 in the real environment, no .env is read: the tests set it, so that yours cannot sway them.
export const SKIP_DOTENV = 'DEV_SKIP_DOTENV';

/** The variables of the project's .env, or undefined when there is none or SKIP_DOTENV says not to read it. */
export function projectDotenv(root: string, real: Env): Record<string, string> | undefined {
  return real[SKIP_DOTENV] === '1' ? undefined : readDotenv(path.join(root, '.env'));
}

/** The base environment (see assembleEnv) from the real one and .env's variables, and a line about .env. */
export function baseEnv(
  real: Env,
  dotenv: Env | undefined,
): { env: Record<string, string>; note: string } {
  if (real[SKIP_DOTENV] === '1') {
    return { env: assembleEnv(real), note: `.env not read (${SKIP_DOTENV}=1)` };
  }
  return {
    env: assembleEnv(real, dotenv),
    note: dotenv
      ? '.env loaded'
      : 'no .env: defaults apply (copy .env.example to .env to change them)',
  };
}

/** The base environment of the project in `root`, and a line for the user about .env (see baseEnv). */
export function projectEnv(root: string, real: Env): { env: Record<string, string>; note: string } {
  return baseEnv(real, projectDotenv(root, real));
}

/** The port web listens on: PORT when set, else 3000. */
export function webPort(env: Env): number {
  if (!isSet(env, 'PORT')) return DEFAULT_PORT;
  const port = Number(env.PORT);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`PORT must be a whole number from 1 to 65535 (got "${env.PORT}")`);
  }
  return port;
}

/**
 * The environment of one process type: the base plus what the stand-ins provide. Only web gets a port,
 * as only web dynos receive traffic on Heroku.
 */
export function processEnv(
  base: Readonly<Record<string, string>>,
  standIns: Readonly<Record<string, string>>,
  port: number | undefined,
): Record<string, string> {
  const env = { ...base, ...standIns };
  if (port === undefined) delete env.PORT;
  else env.PORT = String(port);
  return env;
}
