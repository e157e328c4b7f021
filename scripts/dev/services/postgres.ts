// The stand-in for DATABASE_URL: PGlite served over TCP, one server per data folder for every local process.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { useSharedServer } from '../shared-server.ts';
import type { StandIn } from '../stand-ins.ts';

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
        stop: () => server.stop(),
      };
    },
  };
}

export const postgres: StandIn = createPostgresStandIn();
