// Postgres's own client tools: which version is installed, whether it suits the server, and how to get one that does.
import { execFile } from 'node:child_process';

export type Tool = 'pg_dump' | 'pg_restore';

/** The major version in `pg_dump --version`'s answer ("pg_dump (PostgreSQL) 15.20 (Debian …)"). */
export function toolVersionOf(output: string): { major: number; version: string } | undefined {
  const match = /\(PostgreSQL\)\s+(\d+)(\.\d+)?/.exec(output);
  if (!match?.[1]) return undefined;
  return { major: Number(match[1]), version: `${match[1]}${match[2] ?? ''}` };
}

/** The major version of server_version_num (150020 is 15, 180006 is 18). */
export const serverMajorOf = (versionNum: number): number => Math.floor(versionNum / 10_000);

/** How to install the client tools of one major version, on the systems attendees have. */
export function installHint(major: number): string {
  return (
    `install the Postgres ${major} client tools: on Debian or Ubuntu, sudo apt-get install ` +
    `postgresql-client-${major} (from the PostgreSQL apt repository when your release lacks it); on macOS, ` +
    `Postgres.app with version ${major}, or brew install libpq (its newest version) and put ` +
    `$(brew --prefix libpq)/bin on your PATH; on Windows, the PostgreSQL ${major} installer's command line tools`
  );
}

export interface ToolCheck {
  tool: Tool;
  /** What `<tool> --version` printed, or undefined when the tool is not on the PATH. */
  versionOutput: string | undefined;
  /** The major version the tool must have at least, and what needs it (for the message). */
  needs: { major: number; because: string };
  /** The server's version(), which names PGlite when the stand-in answers. */
  serverVersion?: string;
}

/** Why the installed tool cannot do the job, with what to install; undefined when it can. */
export function toolProblem({
  tool,
  versionOutput,
  needs,
  serverVersion,
}: ToolCheck): string | undefined {
  const pglite = serverVersion !== undefined && /PGlite/i.test(serverVersion);
  // The stand-in is PGlite in WebAssembly, whose version is whatever Postgres it was built from.
  const standIn = pglite
    ? ` The local stand-in is PGlite, which reports Postgres ${needs.major}: back it up with a ` +
      `${tool} of that version, or set DATABASE_URL to a Postgres server of your own to rehearse on.`
    : '';
  if (versionOutput === undefined) {
    return `${tool} is not installed (or not on your PATH): ${installHint(needs.major)}.${standIn}`;
  }
  const found = toolVersionOf(versionOutput);
  if (found === undefined) {
    return `could not read ${tool}'s version from "${versionOutput.trim()}": ${installHint(needs.major)}.`;
  }
  if (found.major < needs.major) {
    return (
      `${tool} ${found.version} is older than ${needs.because} (${needs.major}), and ${tool} refuses ` +
      `that (server version mismatch): ${installHint(needs.major)}.${standIn}`
    );
  }
  return undefined;
}

/**
 * What `<tool> --version` prints, or undefined when there is no such command. A tool that fails to answer
 * gives its error, which toolProblem reports as an unreadable version.
 */
export function versionOutputOf(tool: Tool): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(tool, ['--version'], { timeout: 10_000 }, (err, stdout) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') resolve(undefined);
      else resolve(err ? `${stdout}${err.message}` : stdout);
    });
  });
}
