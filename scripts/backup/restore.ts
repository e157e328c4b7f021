// `npm run db:restore -- FILE [--yes]`: replaces DATABASE_URL's tables with a db:backup file's, with progress.
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { messageOf } from '../../src/platform/errors.ts';
import { backupConfig } from './backup.config.ts';
import { UsageError, type CommandIo } from './backup.ts';
import { confirmDatabase, type Input } from './confirm.ts';
import {
  installHint,
  serverMajorOf,
  toolProblem,
  toolVersionOf,
  versionOutputOf,
} from './pg-tools.ts';
import { CommandError, probe } from './probe.ts';
import { isNoise, runTool } from './run-tool.ts';
import { createStatus, formatBytes, formatElapsed } from './status.ts';
import { libpqOf, targetOf, type Target } from './target.ts';

export const RESTORE_USAGE =
  'usage: npm run db:restore -- FILE [--yes], FILE being a db:backup (pg_dump --format=custom) file; ' +
  '--yes skips the typed confirmation that a production database needs';

// --clean --if-exists: each object in the file is dropped, where it exists, before it is made again, so
//   the target may be empty or hold an older copy. Tables the file does not have are left alone.
// --no-owner --no-privileges: the file names the source's roles (Heroku's are random per database);
//   the target's user owns what it makes instead, and no GRANT names a role the target lacks.
// --single-transaction: all or nothing. A failure halfway leaves the target as it was, not half replaced.
// Not --create: Heroku gives one database, which the URL names; the tool may not create another.
const RESTORE_FLAGS = [
  '--clean',
  '--if-exists',
  '--no-owner',
  '--no-privileges',
  '--single-transaction',
  '--verbose',
];

export interface RestoreIo extends CommandIo {
  stdin: Input;
}

function argsOf(argv: readonly string[]): { file: string; yes: boolean } {
  const files = argv.filter((arg) => !arg.startsWith('-'));
  const unknown = argv.filter((arg) => arg.startsWith('-') && arg !== '--yes');
  if (unknown.length > 0) throw new UsageError(`unknown option "${unknown[0]}"`);
  if (files.length !== 1 || files[0] === undefined) {
    throw new UsageError(files.length === 0 ? 'which file?' : 'one file at a time');
  }
  return { file: files[0], yes: argv.includes('--yes') };
}

/** Why this target counts as production (NODE_ENV, APP_ENV, or a host elsewhere), or undefined. */
export function productionReason(
  productionBy: string | undefined,
  target: Target,
): string | undefined {
  if (productionBy) return `${productionBy} says so`;
  if (!target.local) return `its host ${target.host} is not this machine, so it may be a live one`;
  return undefined;
}

/** What `pg_restore --list` says of a file: who wrote it, and how many tables' rows it holds. */
export function archiveFacts(list: string): { dumpedByMajor?: number; tables: number } {
  const by = /^;\s+Dumped by pg_dump version: (\S+)/m.exec(list)?.[1];
  const major = by ? toolVersionOf(`(PostgreSQL) ${by}`)?.major : undefined;
  const tables = list.split('\n').filter((line) => /^\d+; .* TABLE DATA /.test(line)).length;
  return { ...(major !== undefined ? { dumpedByMajor: major } : {}), tables };
}

function listArchive(
  file: string,
): Promise<{ ok: true; list: string } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    execFile(
      'pg_restore',
      ['--list', file],
      { maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) resolve({ ok: false, error: stderr.trim().split('\n')[0] || messageOf(err) });
        else resolve({ ok: true, list: stdout });
      },
    );
  });
}

export async function restore(argv: readonly string[], io: RestoreIo): Promise<number> {
  const say = (text: string) => io.stdout.write(`db:restore: ${text}\n`);
  const fail = (text: string) => io.stderr.write(`db:restore: ${text}\n`);
  let args: ReturnType<typeof argsOf>;
  let settings: { url: string; productionBy: string | undefined };
  try {
    if (argv.includes('--help') || argv.includes('-h')) {
      say(RESTORE_USAGE);
      return 0;
    }
    args = argsOf(argv);
    settings = loadConfig(io.env, { backup: backupConfig }).backup;
  } catch (err) {
    if (err instanceof UsageError) {
      fail(`${err.message}\n${RESTORE_USAGE}`);
      return 2;
    }
    if (err instanceof ConfigError) {
      fail(err.message);
      return 1;
    }
    throw err;
  }
  const file = path.resolve(io.cwd, args.file);
  let size: number;
  try {
    size = statSync(file).size;
  } catch (err) {
    fail(`cannot read ${args.file}: ${messageOf(err)}; name a file that npm run db:backup wrote`);
    return 1;
  }
  const target = targetOf(settings.url);

  // Asked before anything touches the database, and before the slower checks, so no one waits to be asked.
  const production = productionReason(settings.productionBy, target);
  if (production && !args.yes) {
    say(`${target.where} counts as production: ${production}.`);
    const refused = await confirmDatabase(
      io.stdin,
      (text) => io.stdout.write(text),
      target.database,
      `restore ${args.file} into it`,
    );
    if (refused) {
      fail(`refusing to restore into ${target.where}, and nothing was restored: ${refused}`);
      return 1;
    }
  }

  const started = performance.now();
  let tables: number;
  try {
    const server = await probe(settings.url);
    // Tried with pg_restore 15 into PGlite 0.5 (Postgres 18): the socket server never answers the first
    // COPY of table data, and the restore hangs with the stand-in's process unresponsive to signals.
    if (/PGlite/i.test(server.version)) {
      throw new CommandError(
        `${target.where} is the local PGlite stand-in, which cannot take a restore (pg_restore's COPY ` +
          'hangs on its socket server): set DATABASE_URL to a Postgres server of your own, such as ' +
          'postgres://postgres@127.0.0.1:5432/campaign, and restore there',
      );
    }
    const serverMajor = serverMajorOf(server.versionNum);
    const versionOutput = await versionOutputOf('pg_restore');
    if (versionOutput === undefined) {
      const needs = { major: serverMajor, because: 'the server' };
      throw new CommandError(
        toolProblem({ tool: 'pg_restore', versionOutput, needs, serverVersion: server.version }) ??
          '',
      );
    }
    const listed = await listArchive(file);
    if (!listed.ok) {
      // The file's format is newer than this pg_restore knows; it came from a server of at least this major.
      if (/unsupported version .* in file header/.test(listed.error)) {
        throw new CommandError(
          `${args.file} was written by a newer pg_dump than this pg_restore ` +
            `(${toolVersionOf(versionOutput)?.version ?? versionOutput.trim()}): ${installHint(serverMajor)}`,
        );
      }
      throw new CommandError(
        `${args.file} is not a file pg_restore can read ` +
          `(${listed.error.replace(/^pg_restore: (error: )?/, '')}): name a file that npm run db:backup wrote`,
      );
    }
    const facts = archiveFacts(listed.list);
    tables = facts.tables;
    const tooOld =
      facts.dumpedByMajor !== undefined &&
      toolProblem({
        tool: 'pg_restore',
        versionOutput,
        needs: { major: facts.dumpedByMajor, because: `the pg_dump that wrote ${args.file}` },
      });
    if (tooOld) throw new CommandError(tooOld);
  } catch (err) {
    if (!(err instanceof CommandError)) throw err;
    fail(err.message);
    return 1;
  }

  const status = createStatus(io.stdout, 'db:restore');
  let restored = 0;
  let table = '';
  let doing = '';
  const draw = () =>
    status.update(
      `tables restored ${restored}/${Math.max(tables, restored)}${table ? ` (${table})` : ''}${doing ? `, ${doing}` : ''}`,
      `${restored} ${doing}`,
    );
  say(`restoring ${args.file} (${formatBytes(size)}) into ${target.where}`);
  const problems: string[] = [];
  const libpq = libpqOf(settings.url);
  let exit: Awaited<ReturnType<typeof runTool>>;
  try {
    exit = await runTool(
      'pg_restore',
      [...RESTORE_FLAGS, `--dbname=${libpq.dbname}`, file],
      { ...io.env, ...libpq.env },
      (line) => {
        const data = /^pg_restore: processing data for table "(.+)"$/.exec(line);
        const step = /^pg_restore: (dropping|creating|executing) /.exec(line);
        if (data) {
          if (table) restored++;
          table = data[1] ?? '';
          doing = '';
          draw();
        } else if (step) {
          if (table) restored++;
          table = '';
          doing =
            step[1] === 'dropping'
              ? 'dropping the old tables'
              : restored > 0
                ? 'creating indexes and constraints'
                : 'creating the tables';
          draw();
        } else if (!isNoise('pg_restore', line)) {
          problems.push(line);
          status.line(line);
        }
      },
    );
  } catch (err) {
    status.finish();
    fail(`could not start pg_restore: ${messageOf(err)}`);
    return 1;
  }
  status.finish();
  if (exit.code !== 0 || exit.interrupted) {
    const why = exit.interrupted
      ? `stopped (${exit.interrupted})`
      : `pg_restore failed${problems.length ? `: ${problems[0]?.replace(/^pg_restore: (error: )?/, '')}` : ` (exit ${exit.code ?? exit.signal})`}`;
    // One transaction: it was rolled back whole.
    fail(`${why}; ${target.where} was left as it was (the restore runs in one transaction)`);
    return 1;
  }
  if (table) restored++;
  say(
    `restored ${args.file} into ${target.where} (${restored} tables) in ${formatElapsed(performance.now() - started)}`,
  );
  return 0;
}
