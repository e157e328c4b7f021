// Runs the Heroku CLI from PATH: JSON reads, plain commands and streamed output, with errors that say what to do.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * Every heroku command the deploy tools run, with the flags each may pass (`<name>` is a positional argument).
 * The runner refuses any other flag, and a test checks this table against the real CLI's
 * `heroku commands --json`: a command added here without being checked fails there, and one not added
 * here fails at once.
 */
export const HEROKU_COMMANDS = {
  'auth:whoami': [],
  releases: ['--json', '-a', '--num'],
  'apps:info': ['--json', '-a'],
  ps: ['--json', '-a'],
  'maintenance:on': ['-a'],
  'maintenance:off': ['-a'],
  'pipelines:promote': ['-a', '--to'],
  'releases:output': ['<release>', '-a'],
  'releases:rollback': ['<release>', '-a'],
  config: ['--json', '-a'],
  'config:set': ['<NAME=value>', '-a'],
  'ps:scale': ['<type=quantity>', '-a'],
  'pg:copy': ['<source>', '<target>', '-a', '--confirm'],
  // @step 9+
  // The production check's reads: these print the Platform API's resources, or text where the CLI has no --json.
  addons: ['--json', '-a'],
  domains: ['--json', '-a'],
  features: ['--json', '-a'],
  drains: ['--json', '-a'],
  'redis:info': ['--json', '-a'],
  'apps:stacks': ['-a'],
  'pg:backups:schedules': ['-a'],
  // @end
} as const satisfies Record<string, readonly string[]>;

export type HerokuCommand = keyof typeof HEROKU_COMMANDS;

/** Commands that change nothing: the only ones a dry run may run. */
export const READ_ONLY: readonly HerokuCommand[] = [
  'auth:whoami',
  'releases',
  'apps:info',
  'ps',
  'config',
  // @step 9+
  'addons',
  'domains',
  'features',
  'drains',
  'redis:info',
  'apps:stacks',
  'pg:backups:schedules',
  // @end
];

export class HerokuError extends Error {}

export interface HerokuOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Called with each command line before it runs (progress, dry-run checks). */
  readonly onRun?: (line: string) => void;
}

export interface Heroku {
  /** Runs a command with `--json` and parses what it prints. */
  json(command: HerokuCommand, args: readonly string[]): Promise<unknown>;
  /** Runs a command and returns what it printed. */
  run(command: HerokuCommand, args: readonly string[]): Promise<string>;
  /** Runs a command, handing each line it prints to `onLine` as it comes. */
  stream(
    command: HerokuCommand,
    args: readonly string[],
    onLine: (line: string) => void,
  ): Promise<void>;
}

/** The command line as a user would type it. */
export function herokuLine(command: HerokuCommand, args: readonly string[]): string {
  return ['heroku', command, ...args].join(' ');
}

function checkArgs(command: HerokuCommand, args: readonly string[]): void {
  const allowed: readonly string[] = HEROKU_COMMANDS[command];
  for (const arg of args) {
    if (arg.startsWith('-') && !allowed.includes(arg))
      throw new HerokuError(`${herokuLine(command, args)}: ${arg} is not in HEROKU_COMMANDS`);
  }
}

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function createHeroku({ env, cwd, onRun }: HerokuOptions): Heroku {
  const exec = (
    command: HerokuCommand,
    args: readonly string[],
    onLine?: (line: string) => void,
  ): Promise<Result> => {
    checkArgs(command, args);
    onRun?.(herokuLine(command, args));
    return new Promise((resolve, reject) => {
      // No stdin: a CLI that would prompt (a login, a confirmation) fails instead of hanging.
      const child = spawn('heroku', [command, ...args], {
        cwd,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8');
      child.stderr.setEncoding('utf8');
      if (onLine) {
        createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', onLine);
      } else {
        child.stdout.on('data', (chunk: string) => (stdout += chunk));
      }
      child.stderr.on('data', (chunk: string) => (stderr += chunk));
      child.on('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'ENOENT'
            ? new HerokuError(
                'the Heroku CLI is not installed (no heroku on PATH): install it (npm install --global heroku), then run heroku login',
              )
            : err,
        ),
      );
      child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
  };

  const checked = async (
    command: HerokuCommand,
    args: readonly string[],
    onLine?: (line: string) => void,
  ): Promise<string> => {
    const result = await exec(command, args, onLine);
    if (result.code === 0) return result.stdout;
    const said = result.stderr.trim() || result.stdout.trim();
    // auth:whoami exits 100 when logged out; other commands answer 401 as "Invalid credentials".
    if (result.code === 100 || /not logged in|invalid credentials|\b401\b/i.test(said))
      throw new HerokuError(
        `the Heroku CLI is not logged in: run heroku login, then run this again`,
      );
    throw new HerokuError(
      `${herokuLine(command, args)} failed (exit ${result.code})${said ? `:\n${said}` : ''}`,
    );
  };

  return {
    async json(command, args) {
      const text = await checked(command, ['--json', ...args]);
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new HerokuError(`${herokuLine(command, ['--json', ...args])} did not print JSON`);
      }
    },
    run: (command, args) => checked(command, args),
    async stream(command, args, onLine) {
      await checked(command, args, onLine);
    },
  };
}
