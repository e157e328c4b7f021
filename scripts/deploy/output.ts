// What the deploy tool prints: one line per step, warnings, and failures that say the app's state and what next.

export interface Output {
  /** A step starting: "→ turning maintenance on". */
  readonly step: (text: string) => void;
  /** A plain line (plans, notes, streamed output). */
  readonly line: (text: string) => void;
  readonly warn: (text: string) => void;
}

export function createOutput(write: (chunk: string) => void): Output {
  return {
    step: (text) => write(`→ ${text}\n`),
    line: (text) => write(`${text}\n`),
    warn: (text) => write(`⚠ ${text}\n`),
  };
}

/** Exit code 2: the command line was wrong; nothing was looked at. */
export class UsageError extends Error {}

/** Exit code 1: something failed; `state` says where the app was left, `next` what to run. */
export class DeployFailure extends Error {
  readonly state: string;
  readonly next: readonly string[];
  constructor(message: string, state: string, next: readonly string[] = []) {
    super(message);
    this.state = state;
    this.next = next;
  }
}

export function describeFailure(failure: DeployFailure): string[] {
  return [
    `✗ ${failure.message}`,
    `  state: ${failure.state}`,
    ...(failure.next.length > 0 ? ['  next:', ...failure.next.map((step) => `    ${step}`)] : []),
  ];
}

export const NOTHING_CHANGED = 'nothing was changed on Heroku';
