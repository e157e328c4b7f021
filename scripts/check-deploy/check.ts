// One item of the production checklist: its verdict, the one line saying why, and the command that fixes it.

export type Status = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  readonly id: string;
  /** `local`: the code and the config; `heroku`: the live app, through the CLI. */
  readonly group: 'local' | 'heroku';
  readonly status: Status;
  readonly message: string;
  /** A command to run or a file to edit; null on a pass. */
  readonly fix: string | null;
  /** Lines under the message: each config problem, the jobs to schedule. */
  readonly details?: readonly string[];
}

type Verdict = Omit<CheckResult, 'id' | 'group'>;

export const pass = (message: string, details?: readonly string[]): Verdict => ({
  status: 'pass',
  message,
  fix: null,
  ...(details ? { details } : {}),
});

export const warn = (message: string, fix: string, details?: readonly string[]): Verdict => ({
  status: 'warn',
  message,
  fix,
  ...(details ? { details } : {}),
});

export const fail = (message: string, fix: string, details?: readonly string[]): Verdict => ({
  status: 'fail',
  message,
  fix,
  ...(details ? { details } : {}),
});

/** Where the config comes from, which decides how a fix sets a variable. */
export interface Target {
  /** The Heroku app whose config vars are checked; undefined for this shell's environment. */
  readonly app: string | undefined;
}

/** The command that sets config variables: `heroku config:set … -a APP` or `export …` in this shell. */
export function setVars(target: Target, ...assignments: string[]): string {
  return target.app === undefined
    ? `export ${assignments.join(' ')}`
    : `heroku config:set ${assignments.join(' ')} -a ${target.app}`;
}

/** The worst of the verdicts: fail over warn over pass. */
export function worst(statuses: readonly Status[]): Status {
  if (statuses.includes('fail')) return 'fail';
  return statuses.includes('warn') ? 'warn' : 'pass';
}
