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
