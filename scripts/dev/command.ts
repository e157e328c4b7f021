// Turns a Procfile command into the one development runs: compiled dist/ files become their .ts sources.

// `node [flags] dist/X.js [args]`; flags whose value is a separate word (`-r x`) are not recognised.
const NODE_DIST_SCRIPT = /^node((?:\s+-\S+)*)\s+(?:\.\/)?dist\/(\S+)\.js(?=\s|$)/;

/**
 * `node dist/X.js ...` runs as `node --watch X.ts ...` (or `node X.ts ...` without watch): Node 24 runs
 * TypeScript directly, so development needs no build step. Any other command is returned unchanged.
 */
export function devCommand(command: string, options: { watch: boolean }): string {
  const trimmed = command.trim();
  const match = NODE_DIST_SCRIPT.exec(trimmed);
  if (!match) return command;
  const flags = match[1] ?? '';
  const addWatch = options.watch && !/(^|\s)--watch(\s|$)/.test(flags);
  const rest = trimmed.slice(match[0].length);
  return `node${addWatch ? ' --watch' : ''}${flags} ${match[2] ?? ''}.ts${rest}`;
}

// Anything a shell would interpret: such commands run through the shell, like `heroku local` does.
const SHELL_SYNTAX = /[|&;<>()$`\\"'*?[\]{}~#!]|^\s*[A-Za-z_][A-Za-z0-9_]*=/;

/** The argument vector of a plain command (words and no shell syntax), or undefined if it needs a shell. */
export function toArgv(command: string): string[] | undefined {
  if (SHELL_SYNTAX.test(command)) return undefined;
  const words = command.trim().split(/\s+/).filter(Boolean);
  return words.length > 0 ? words : undefined;
}

/**
 * devCommand for a command given as words (the `run` subcommand): `node [flags] dist/X.js ...` becomes
 * `node [flags] X.ts ...`, without --watch, as a one-off command runs once. Others are left unchanged.
 */
export function devArgv(argv: readonly string[]): string[] {
  const result = [...argv];
  if (result[0] !== 'node') return result;
  const index = result.findIndex((word, i) => i > 0 && !word.startsWith('-'));
  const match = /^(?:\.\/)?dist\/(.+)\.js$/.exec(result[index] ?? '');
  if (match) result[index] = `${match[1] ?? ''}.ts`;
  return result;
}
