// What every deploy command runs with: the project, its git and heroku runners, the terminal, the timings.
import type { Input } from './confirm.ts';
import type { Git } from './git.ts';
import type { Heroku } from './heroku.ts';
import type { Output } from './output.ts';

export interface Timing {
  /** Between two reads of the releases or the dynos (DEPLOY_POLL_INTERVAL_MS, for tests). */
  readonly pollMs: number;
  /** How long a release (its build and release phase) may take before the tool gives up waiting. */
  readonly releaseTimeoutMs: number;
  /** How long the web dynos may take to run the new release. */
  readonly dynoTimeoutMs: number;
}

export interface Context {
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  readonly git: Git;
  readonly heroku: Heroku;
  readonly out: Output;
  readonly write: (text: string) => void;
  readonly input: Input;
  readonly timing: Timing;
  readonly now: () => Date;
}

export function timingFrom(env: NodeJS.ProcessEnv): Timing {
  const ms = (name: string, fallback: number) => {
    const value = Number(env[name]);
    return Number.isFinite(value) && value > 0 ? value : fallback;
  };
  return {
    pollMs: ms('DEPLOY_POLL_INTERVAL_MS', 3000),
    releaseTimeoutMs: ms('DEPLOY_RELEASE_TIMEOUT_MS', 30 * 60_000),
    dynoTimeoutMs: ms('DEPLOY_DYNO_TIMEOUT_MS', 3 * 60_000),
  };
}
