// The local router for `npm run dev -- --scale web=2`: one address in front of several web processes,
// each request to the next one in turn, with the headers Heroku's router adds. Heroku picks a dyno at
// random; taking turns shows the same thing on every second request instead of by chance. Given a
// certificate, it ends TLS as Heroku's router does on port 443, and says so in X-Forwarded-Proto.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import {
  Agent,
  createServer,
  request as forward,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface LocalRouter {
  readonly port: number;
  stop(): Promise<void>;
}

export interface RouterOptions {
  /** Where browsers come in. */
  port: number;
  /** The ports of the web processes, in turn. */
  targets: readonly number[];
  /** Ends TLS with this certificate: the app is then told each request came over https. */
  tls?: { key: string; cert: string };
  /** The port browsers use, when another hop in front of the router is what they reach. */
  publicPort?: number;
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'];

export async function startRouter({
  port,
  targets,
  tls,
  publicPort = port,
}: RouterOptions): Promise<LocalRouter> {
  if (targets.length === 0) throw new Error('the router needs at least one web process');
  const agent = new Agent({ keepAlive: true });
  let next = 0;

  const send = (req: IncomingMessage, res: ServerResponse, attempt: number) => {
    const target = targets[next++ % targets.length]!;
    const headers = { ...req.headers };
    for (const name of HOP_BY_HOP) delete headers[name];
    // An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d; the router reports a.b.c.d.
    const client = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    headers['x-forwarded-for'] = headers['x-forwarded-for']
      ? `${String(headers['x-forwarded-for'])}, ${client}`
      : client;
    headers['x-forwarded-proto'] = tls ? 'https' : 'http';
    headers['x-forwarded-port'] = String(publicPort);
    headers['x-request-id'] ??= randomUUID();
    const upstream = forward(
      { host: '127.0.0.1', port: target, method: req.method, path: req.url, headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      // A process restarting after a change refuses connections for a moment: try the next one, once
      // around (a request whose body has started cannot be sent again).
      if (err.code === 'ECONNREFUSED' && attempt < targets.length && !req.readableDidRead) {
        send(req, res, attempt + 1);
        return;
      }
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5' });
      res.end(
        'No web process is answering right now (restarting after a change?). Reload in a moment.\n',
      );
    });
    req.pipe(upstream);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => send(req, res, 1);
  const server = tls ? createTlsServer(tls, handle) : createServer(handle);
  server.listen(port);
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
