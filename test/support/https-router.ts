// Heroku's router on one local port, for a client that tries http:// and https:// of the same host: a
// connection that opens with a TLS handshake goes to a router that ends TLS, any other to a plain one;
// each tells the app the scheme it came in on (X-Forwarded-Proto) and who asked (X-Forwarded-For).
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { startRouter } from '../../scripts/dev/router.ts';
import { onCleanup } from './cleanup.ts';

/** The first byte a TLS client sends: the record type of its handshake. */
const TLS_HANDSHAKE = 0x16;

export interface HttpsRouter {
  /** Where both schemes answer: 127.0.0.1:PORT. */
  host: string;
  stop(): Promise<void>;
}

/**
 * Listens on 127.0.0.1:`port` in front of the web process on `webPort`; stopped when the test file
 * ends. The port is chosen by the caller, since the app must be told its public address first.
 */
export async function startHttpsRouter({
  port,
  webPort,
  certificate,
}: {
  port: number;
  webPort: number;
  certificate: { key: string; cert: string };
}): Promise<HttpsRouter> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket, peer: () => Socket | undefined) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {
      socket.destroy();
      peer()?.destroy();
    });
  };
  const front = createServer((client) => {
    let hop: Socket | undefined;
    track(client, () => hop);
    client.once('data', (first: Buffer) => {
      hop = connect(first[0] === TLS_HANDSHAKE ? secure.port : plain.port, '127.0.0.1');
      track(hop, () => client);
      hop.write(first);
      client.pipe(hop).pipe(client);
    });
  });
  const plain = await startRouter({ port: 0, targets: [webPort], publicPort: port });
  const secure = await startRouter({
    port: 0,
    targets: [webPort],
    publicPort: port,
    tls: certificate,
  });
  front.listen(port, '127.0.0.1');
  await once(front, 'listening');
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const socket of sockets) socket.destroy();
    front.close();
    await Promise.all([once(front, 'close'), plain.stop(), secure.stop()]);
  };
  onCleanup(stop);
  return { host: `127.0.0.1:${port}`, stop };
}
