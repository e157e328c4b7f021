// A TCP proxy in front of a backing service that a test can cut, hang and restore, to play an outage.
import { once } from 'node:events';
import { createConnection, createServer, type Socket } from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';

export interface Proxy {
  port: number;
  /** Drops every open connection and refuses new ones until restored. */
  cut(): void;
  /**
   * Keeps every connection open, and accepts new ones, but forwards nothing either way: a service
   * that stops answering without refusing, as when packets are dropped. Restored, what was held back
   * goes through, as TCP delivers it once the network heals.
   */
  hang(): void;
  /**
   * Hangs as `hang()` does from the moment `text` is sent towards the target, held back with all that
   * follows: a service that stalls at one exact command, such as the write after a commit.
   */
  hangWhenSent(text: string): void;
  /**
   * Ends a hang for new connections only: those open during it stay silent for good, as after a
   * failover to another server while packets to the old one are still dropped.
   */
  strand(): void;
  restore(): void;
  /** Bytes that have passed so far: towards the target, and back from it. */
  transferred(): { toTarget: number; fromTarget: number };
  close(): Promise<void>;
}

/** One direction of one connection: passes chunks on, or holds them (and what follows) while hung. */
class Gate extends Transform {
  readonly #hung: () => boolean;
  readonly #count: (bytes: number) => void;
  readonly #inspect: (chunk: Buffer) => void;
  #held: (() => void) | undefined;

  constructor(
    hung: () => boolean,
    count: (bytes: number) => void,
    inspect: (chunk: Buffer) => void = () => undefined,
  ) {
    super();
    this.#hung = hung;
    this.#count = count;
    this.#inspect = inspect;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#inspect(chunk);
    const pass = () => {
      this.#count(chunk.length);
      done(null, chunk);
    };
    if (this.#hung()) this.#held = pass;
    else pass();
  }

  /** Lets the held chunk through, unless the gate is still hung. */
  release(): void {
    if (this.#hung()) return;
    const held = this.#held;
    this.#held = undefined;
    held?.();
  }
}

interface Link {
  upstream: Socket;
  gates: Gate[];
  stranded: boolean;
}

export async function startProxy(target: { host: string; port: number }): Promise<Proxy> {
  let down = false;
  let hung = false;
  let trigger: string | undefined;
  const sockets = new Set<Socket>();
  const links = new Set<Link>();
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
    const link: Link = { upstream, gates: [], stranded: false };
    const held = () => hung || link.stranded;
    const toTarget = new Gate(
      held,
      (bytes) => (counted.toTarget += bytes),
      (chunk) => {
        if (trigger === undefined || !chunk.includes(trigger)) return;
        trigger = undefined;
        hung = true;
      },
    );
    const fromTarget = new Gate(held, (bytes) => (counted.fromTarget += bytes));
    link.gates.push(toTarget, fromTarget);
    links.add(link);
    // Held bytes, and the end behind them, still go through on restore after their sender has gone.
    let open = 2;
    const closed = () => {
      if (--open === 0) links.delete(link);
    };
    client.on('close', closed);
    upstream.on('close', closed);
    client.pipe(toTarget).pipe(upstream);
    upstream.pipe(fromTarget).pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy did not bind');
  const release = () => {
    for (const link of links) for (const gate of link.gates) gate.release();
  };
  return {
    port: address.port,
    cut() {
      down = true;
      for (const socket of sockets) socket.destroy();
    },
    hang() {
      hung = true;
    },
    hangWhenSent(text) {
      trigger = text;
    },
    strand() {
      for (const link of links) {
        link.stranded = true;
        // The old server is gone; the client is not told, as no packet reaches it.
        link.upstream.destroy();
      }
      hung = false;
    },
    restore() {
      down = false;
      hung = false;
      trigger = undefined;
      release();
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
