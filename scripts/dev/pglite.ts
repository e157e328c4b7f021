// Serves PGlite (Postgres compiled to WebAssembly) over TCP, so pg and knex connect to it like any
// Postgres: the embedded stand-in for DATABASE_URL in development and in tests without a database.
import type { AddressInfo } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface PgliteServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface PgliteOptions {
  /** A folder to keep the data in; omitted, the database lives in memory and ends with the process. */
  dataDir?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /**
   * Connections are multiplexed onto PGlite's one backend. The default of 1 would make a second
   * client wait forever, so allow comfortably more than every local process's pool together.
   */
  maxConnections?: number;
}

export async function startPgliteServer(options: PgliteOptions = {}): Promise<PgliteServer> {
  const db = await PGlite.create(options.dataDir ? { dataDir: options.dataDir } : {});
  const server = new PGLiteSocketServer({
    db,
    host: '127.0.0.1',
    port: options.port ?? 0,
    maxConnections: options.maxConnections ?? 50,
  });
  const listening = new Promise<AddressInfo>((resolve) =>
    server.addEventListener('listening', (event) =>
      resolve((event as CustomEvent<AddressInfo>).detail),
    ),
  );
  try {
    await server.start();
  } catch (err) {
    // Else the data folder stays open in this process.
    await db.close();
    throw err;
  }
  const address = await listening;
  return {
    url: `postgres://postgres@127.0.0.1:${address.port}/postgres`,
    port: address.port,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
