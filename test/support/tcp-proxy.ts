// A TCP proxy in front of the database that a test can cut and restore, to play an outage.
import { once } from 'node:events';
import { createConnection, createServer, type Socket } from 'node:net';

export interface Proxy {
  port: number;
  /** Drops every open connection and refuses new ones until restored. */
  cut(): void;
  restore(): void;
  /** Bytes that have passed so far: towards the target, and back from it. */
  transferred(): { toTarget: number; fromTarget: number };
  close(): Promise<void>;
}

export async function startProxy(target: { host: string; port: number }): Promise<Proxy> {
  let down = false;
  const sockets = new Set<Socket>();
  const counted = { toTarget: 0, fromTarget: 0 };
  const server = createServer((client) => {
    if (down) return client.destroy();
    const upstream = createConnection(target);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => (counted.toTarget += chunk.length));
    upstream.on('data', (chunk: Buffer) => (counted.fromTarget += chunk.length));
    client.pipe(upstream).pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy did not bind');
  return {
    port: address.port,
    cut() {
      down = true;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      down = false;
    },
    transferred: () => ({ ...counted }),
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** The same URL, pointed at the proxy. */
export function throughProxy(url: string, proxy: Proxy): string {
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  return proxied.toString();
}
