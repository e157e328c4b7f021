// Parses a Procfile: one `name: command` process type a line, blank lines and `#` comments ignored.

export interface ProcessType {
  readonly name: string;
  readonly command: string;
  /** 1-based line in the Procfile, for messages. */
  readonly line: number;
}

/** Thrown for a Procfile that cannot be run; `problems` lists every bad line. */
export class ProcfileError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Procfile: ${problems.join('; ')}`);
    this.name = 'ProcfileError';
    this.problems = problems;
  }
}

// The names Heroku accepts for process types.
const ENTRY = /^([A-Za-z0-9_-]+):(.*)$/;

export function parseProcfile(text: string): ProcessType[] {
  const types: ProcessType[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const match = ENTRY.exec(trimmed);
    const name = match?.[1];
    const command = match?.[2]?.trim();
    if (name === undefined || command === undefined) {
      problems.push(`line ${line}: expected "name: command", got "${trimmed}"`);
    } else if (command === '') {
      problems.push(`line ${line}: process type "${name}" has no command`);
    } else {
      const earlier = types.find((t) => t.name === name);
      if (earlier) {
        problems.push(
          `line ${line}: process type "${name}" is already defined on line ${earlier.line}`,
        );
      } else {
        types.push({ name, command, line });
      }
    }
  });
  if (problems.length > 0) throw new ProcfileError(problems);
  return types;
}

/** The process type that runs once before the others, never alongside them. */
export const RELEASE = 'release';

/** Thrown for process type names on the command line that cannot be run; the message says why. */
export class ProcessTypeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProcessTypeError';
  }
}

/**
 * The process types to run alongside each other, in Procfile order: those `names` names, or every one but
 * release when `names` is empty. Throws a ProcessTypeError for a name the Procfile lacks, and for release.
 */
export function selectProcessTypes(
  types: readonly ProcessType[],
  names: readonly string[],
): ProcessType[] {
  const runnable = types.filter((t) => t.name !== RELEASE);
  if (names.length === 0) return runnable;
  const listing = runnable.map((t) => t.name).join(', ') || `none besides ${RELEASE}`;
  const hasRelease = types.length > runnable.length;
  if (hasRelease && names.includes(RELEASE)) {
    throw new ProcessTypeError(
      `${RELEASE} runs once before the others; name the process types to run: ${listing}`,
    );
  }
  const unknown = [...new Set(names.filter((name) => !runnable.some((t) => t.name === name)))];
  if (unknown.length > 0) {
    const quoted = unknown.map((name) => `"${name}"`).join(', ');
    throw new ProcessTypeError(
      `no process type${unknown.length > 1 ? 's' : ''} ${quoted} in the Procfile: it has ${listing}`,
    );
  }
  return runnable.filter((t) => names.includes(t.name));
}
