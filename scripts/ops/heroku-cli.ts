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
