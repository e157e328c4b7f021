// Turns a Procfile command into the one development runs: compiled dist/ files become their .ts sources.

// Flags that take the next word as their value: a preload, which may be a dist/ file itself.
const PRELOAD_FLAG = /^(?:--import|--require|-r)$/;
// `node [flags] dist/X.js [args]`, where a flag is `-x`, `--x=value`, or a preload flag and its value.
const NODE_DIST_SCRIPT =
  /^node((?:\s+(?:--import|--require|-r)\s+\S+|\s+-\S+)*)\s+(?:\.\/)?dist\/(\S+)\.js(?=\s|$)/;
// A preload given as a path into dist/ (`--import ./dist/src/telemetry.js`), with a space or `=`.
const DIST_PRELOAD = /(--import|--require|-r)(=|\s+)\.\/dist\/(\S+)\.js(?=\s|$)/g;

/** A preload's path `./dist/X.js` as `./X.ts`; any other value is returned unchanged. */
const devPreload = (value: string): string => value.replace(/^\.\/dist\/(.+)\.js$/, './$1.ts');

/**
 * `node dist/X.js ...` runs as `node --watch X.ts ...` (or `node X.ts ...` without watch), and a preload
 * `--import ./dist/Y.js` as `--import ./Y.ts`: Node 24 runs TypeScript directly, so development needs no
 * build step. Any other command is returned unchanged.
 */
export function devCommand(command: string, options: { watch: boolean }): string {
  const trimmed = command.trim();
  const match = NODE_DIST_SCRIPT.exec(trimmed);
  if (!match) return command;
  const flags = (match[1] ?? '').replace(DIST_PRELOAD, '$1$2./$3.ts');
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
  let index = 1;
  for (; index < result.length; index++) {
    const word = result[index]!;
    if (!word.startsWith('-')) break;
    if (PRELOAD_FLAG.test(word) && index + 1 < result.length) {
      index++;
      result[index] = devPreload(result[index]!);
    } else {
      const [flag, value] = word.split(/=(.*)/s);
      if (value !== undefined && PRELOAD_FLAG.test(flag!))
        result[index] = `${flag}=${devPreload(value)}`;
    }
  }
  const match = /^(?:\.\/)?dist\/(.+)\.js$/.exec(result[index] ?? '');
  if (match && index > 0) result[index] = `${match[1] ?? ''}.ts`;
  return result;
}
