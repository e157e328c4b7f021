// `npm run db:backup [-- --out FILE]`: pg_dump of DATABASE_URL in its custom format, with progress.
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, type Env } from '../../src/config.ts';
import { messageOf } from '../../src/platform/errors.ts';
import { backupConfig } from './backup.config.ts';
import { serverMajorOf, toolProblem, versionOutputOf } from './pg-tools.ts';
import { CommandError, probe } from './probe.ts';
import { isNoise, runTool } from './run-tool.ts';
import { createStatus, formatBytes, formatElapsed } from './status.ts';
import { libpqOf, targetOf } from './target.ts';

export const BACKUP_USAGE =
  'usage: npm run db:backup [-- --out FILE], which writes backups/<database>-<UTC time>.dump by default';

export interface CommandIo {
  env: Env;
  /** The project directory: default paths are relative to it. */
  cwd: string;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  now?: () => Date;
}

/** Exit code 2: the command line was wrong. */
export class UsageError extends Error {}

function outOf(argv: readonly string[]): string | undefined {
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2);
    if (flag !== '--out') throw new UsageError(`unknown argument "${argv[i]}"`);
    out = inline ?? argv[++i];
    if (!out) throw new UsageError('--out needs a file name');
  }
  return out;
}

/** 2026-12-04T21:05:09.123Z as 20261204T210509Z: sorts by time, and no colons for Windows. */
const stamp = (date: Date) => date.toISOString().replace(/[-:]|\.\d+/g, '');

export async function backup(argv: readonly string[], io: CommandIo): Promise<number> {
  const say = (text: string) => io.stdout.write(`db:backup: ${text}\n`);
  const fail = (text: string) => io.stderr.write(`db:backup: ${text}\n`);
  let file: string;
  let url: string;
  try {
    if (argv.includes('--help') || argv.includes('-h')) {
      say(BACKUP_USAGE);
      return 0;
    }
    const out = outOf(argv);
    url = loadConfig(io.env, { backup: backupConfig }).backup.url;
    const now = (io.now ?? (() => new Date()))();
    file = path.resolve(
      io.cwd,
      out ?? path.join('backups', `${targetOf(url).database}-${stamp(now)}.dump`),
    );
  } catch (err) {
    if (err instanceof UsageError) {
      fail(`${err.message}\n${BACKUP_USAGE}`);
      return 2;
    }
    if (err instanceof ConfigError) {
      fail(err.message);
      return 1;
    }
    throw err;
  }
  const shown = path.relative(io.cwd, file).startsWith('..') ? file : path.relative(io.cwd, file);
  if (existsSync(file)) {
    fail(`${shown} exists already: name another file with --out, or move that one away`);
    return 1;
  }

  const started = performance.now();
  const target = targetOf(url);
  let tables: number;
  try {
    const server = await probe(url);
    tables = server.tables;
    const problem = toolProblem({
      tool: 'pg_dump',
      versionOutput: await versionOutputOf('pg_dump'),
      needs: {
        major: serverMajorOf(server.versionNum),
        because: `the server at ${target.host}:${target.port}`,
      },
      serverVersion: server.version,
    });
    if (problem) throw new CommandError(problem);
  } catch (err) {
    if (!(err instanceof CommandError)) throw err;
    fail(err.message);
    return 1;
  }

  mkdirSync(path.dirname(file), { recursive: true });
  // Written under another name, then renamed: a file named .dump is always a whole backup.
  const partial = `${file}.partial`;
  const status = createStatus(io.stdout, 'db:backup');
  let dumped = 0;
  let table = '';
  const sizeOf = () => {
    try {
      return statSync(partial).size;
    } catch {
      return 0;
    }
  };
  const draw = () =>
    status.update(
      `tables dumped ${dumped}/${Math.max(tables, dumped)}${table ? ` (${table})` : ''}, ` +
        `${formatBytes(sizeOf())} written`,
      String(dumped),
    );
  say(`backing up ${target.where} into ${shown}`);
  const problems: string[] = [];
  const libpq = libpqOf(url);
  const ticker = setInterval(draw, 250);
  let exit: Awaited<ReturnType<typeof runTool>>;
  try {
    exit = await runTool(
      'pg_dump',
      ['--format=custom', '--verbose', `--file=${partial}`, `--dbname=${libpq.dbname}`],
      { ...io.env, ...libpq.env },
      (line) => {
        // pg_dump says this as it starts on each table's rows.
        const starting = /^pg_dump: dumping contents of table "(.+)"$/.exec(line);
        if (starting) {
          // The one before it is done; the last is counted when pg_dump exits.
          if (table) dumped++;
          table = starting[1] ?? '';
          draw();
        } else if (!isNoise('pg_dump', line)) {
          problems.push(line);
          status.line(line);
        }
      },
    );
  } catch (err) {
    clearInterval(ticker);
    status.finish();
    rmSync(partial, { force: true });
    fail(`could not start pg_dump: ${messageOf(err)}`);
    return 1;
  } finally {
    clearInterval(ticker);
  }
  if (exit.code !== 0 || exit.interrupted) {
    status.finish();
    rmSync(partial, { force: true });
    const why = exit.interrupted
      ? `stopped (${exit.interrupted})`
      : `pg_dump failed${problems.length ? `: ${problems[0]?.replace(/^pg_dump: (error: )?/, '')}` : ` (exit ${exit.code ?? exit.signal})`}`;
    fail(`${why}; no backup was written`);
    return 1;
  }
  if (table) dumped++;
  table = '';
  draw();
  status.finish();
  const size = sizeOf();
  renameSync(partial, file);
  say(
    `wrote ${shown} (${formatBytes(size)}, ${dumped} tables) in ${formatElapsed(performance.now() - started)}; ` +
      `restore it with npm run db:restore -- ${shown}`,
  );
  return 0;
}
