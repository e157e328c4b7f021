// What the ops commands need of the `heroku` CLI, and the shapes of the few JSON answers they read.

/** The `heroku` command: `json` parses what `--json` prints; `run` streams the command's output to the terminal. */
export interface HerokuCli {
  json<T>(args: readonly string[]): Promise<T>;
  run(args: readonly string[]): Promise<void>;
}

/** `heroku config --json -a APP`: every config var, name → value. */
export type ConfigVars = Record<string, string>;

/** One entry of `heroku ps --json -a APP` (the Platform API's dyno), with only the fields read here. */
export interface Dyno {
  name: string;
  type: string;
  state: string;
}

/** The pipeline's environments, as the deploy tool's environments file names them. */
export type Environments = Readonly<
  Record<
    string,
    { app: string; promoteFrom?: string | undefined; production?: boolean | undefined }
  >
>;

/** What an ops command's `main` is given: the CLI, the environments, and where to write. */
export interface OpsDeps {
  heroku: HerokuCli;
  environments: Environments;
  out: Pick<Console, 'log' | 'error'>;
}

export const configOf = (heroku: HerokuCli, app: string): Promise<ConfigVars> =>
  heroku.json<ConfigVars>(['config', '--json', '-a', app]);

/** A runner that takes the command apart from its arguments and adds `--json` itself. */
export interface CommandRunner<C extends string> {
  json(command: C, args: readonly string[]): Promise<unknown>;
  stream(command: C, args: readonly string[], onLine: (line: string) => void): Promise<void>;
}

/** The deploy tool's runner (scripts/deploy/heroku.ts) as a HerokuCli, its output lines given to `onLine`. */
export function herokuCliOf<C extends string>(
  runner: CommandRunner<C>,
  onLine: (line: string) => void,
): HerokuCli {
  const split = (args: readonly string[]): [C, string[]] => {
    const [command, ...rest] = args;
    if (command === undefined) throw new Error('a heroku command needs a name');
    // The runner checks the command against its own list of the ones the tool may run.
    return [command as C, rest];
  };
  return {
    json<T>(args: readonly string[]): Promise<T> {
      const [command, rest] = split(args);
      return runner.json(
        command,
        rest.filter((a) => a !== '--json'),
      ) as Promise<T>;
    },
    run(args: readonly string[]): Promise<void> {
      const [command, rest] = split(args);
      return runner.stream(command, rest, onLine);
    },
  };
}
