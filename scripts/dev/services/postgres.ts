// The stand-in for DATABASE_URL: PGlite served over TCP, one server per data folder for every local process.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { isSet, type Env } from '../env.ts';
import { liveOwner, useSharedServer } from '../shared-server.ts';
import { dataDirOf, type StandIn } from '../stand-ins.ts';

// Every local process's pool shares this one server (knex's default pool is up to 10 connections).
const MAX_CONNECTIONS = 100;

export interface PostgresOptions {
  /** How long to wait for a server that another launcher is starting; 15 s by default. */
  readonly waitMs?: number;
}

/** The folder as the user would type it: relative to the project when inside it. */
function shown(root: string, folder: string): string {
  const relative = path.relative(root, folder);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : folder;
}

export function createPostgresStandIn(options: PostgresOptions = {}): StandIn {
  return {
    name: 'postgres',
    envVar: 'DATABASE_URL',
    // The release phase (src/migrate.ts) applies what is there.
    releaseInputs: ['migrations'],
    async start({ root, dataDir }) {
      const folder = path.join(dataDir, 'postgres');
      mkdirSync(dataDir, { recursive: true });
      // Two PGlites on one folder lose writes silently, so a second launcher reuses the first one's server.
      const server = await useSharedServer({
        stateFile: path.join(dataDir, 'postgres.json'),
        ...(options.waitMs !== undefined ? { waitMs: options.waitMs } : {}),
        async start() {
          // Loaded here, so that a configured DATABASE_URL never loads PGlite.
          const { startPgliteServer } = await import('../pglite.ts');
          return startPgliteServer({ dataDir: folder, maxConnections: MAX_CONNECTIONS });
        },
      });
      const where = shown(root, folder);
      return {
        url: server.url,
        info: server.startedHere
          ? `PGlite, data in ${where}: delete it to start afresh`
          : `PGlite shared with process ${server.ownerPid}, which started it and stops it; data in ${where}`,
        // The release phase (src/migrate.ts) names migrations that the database has and this code lacks.
        adviceFor: (line) =>
          /has migrations this code does not have/.test(line)
            ? 'the local database was migrated by other code (an exercise on another branch?): run npm run db:reset, then npm run dev'
            : undefined,
        stop: () => server.stop(),
      };
    },
  };
}

export const postgres: StandIn = createPostgresStandIn();

/**
 * `npm run db:reset`: deletes the stand-in's data, so that the next start creates an empty database and
 * migrates it. Refuses while a launcher serves it, and when DATABASE_URL names a database of your own.
 */
export function resetLocalDatabase(root: string, env: Env): { ok: boolean; message: string } {
  if (isSet(env, 'DATABASE_URL')) {
    return {
      ok: false,
      message:
        'DATABASE_URL is set (in .env or the shell), so the app does not use the local stand-in, and ' +
        'db:reset empties nothing. Remove DATABASE_URL from .env to go back to the stand-in.',
    };
  }
  const dataDir = dataDirOf(root, env);
  const folder = path.join(dataDir, 'postgres');
  const owner = liveOwner(path.join(dataDir, 'postgres.json'));
  if (owner !== undefined) {
    return {
      ok: false,
      message: `process ${owner} (npm run dev?) is serving the local database: stop it, then run npm run db:reset again.`,
    };
  }
  if (!existsSync(folder)) {
    return {
      ok: true,
      message: `the local database is already empty (no ${shown(root, folder)}).`,
    };
  }
  rmSync(folder, { recursive: true, force: true });
  rmSync(path.join(dataDir, 'postgres.json'), { force: true });
  return {
    ok: true,
    message: `emptied the local database (${shown(root, folder)}): npm run dev creates it afresh and runs every migration.`,
  };
}
