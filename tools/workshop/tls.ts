// TLS as Heroku's backing services speak it, for the pruned-slug check: a certificate of no public
// authority, Postgres that takes TLS connections only (the SSLRequest handshake, then TLS), and
// HTTPS in front of a plain HTTP server.
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer as createTlsServer, TLSSocket } from 'node:tls';
import { generate } from 'selfsigned';

export interface Certificate {
  key: string;
  cert: string;
  /** The certificate in a file, for NODE_EXTRA_CA_CERTS: how a process is told to trust it. */
  file: string;
}

/** A self-signed certificate for 127.0.0.1 and localhost, valid for a day. */
export async function localCertificate(): Promise<Certificate> {
  const pems = await generate([{ name: 'commonName', value: 'verify.local' }], {
    notAfterDate: new Date(Date.now() + 24 * 60 * 60 * 1000),
    keySize: 2048,
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'verify-tls-')), 'ca.pem');
  await writeFile(file, pems.cert);
  return { key: pems.private, cert: pems.cert, file };
}

// The Postgres protocol's requests for an encrypted session come before the startup message.
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

/** A FATAL ErrorResponse, as a server that accepts TLS connections only would send it. */
function fatal(code: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`);
  const head = Buffer.alloc(5);
  head.write('E');
  head.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([head, fields]);
}

export interface TlsProxy {
  port: number;
  close(): Promise<void>;
}

/**
 * Listens on a port of its own and forwards to the plain Postgres at `upstream`, but only after the
 * client has asked for TLS and completed the handshake with `certificate`; a client that does not ask
 * gets "SSL required", as from Heroku Postgres.
 */
export async function startTlsPostgresProxy(
  upstream: { host: string; port: number },
  certificate: Certificate,
): Promise<TlsProxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const onRequest = (first: Buffer) => {
      if (first.length < 8)
        return client.once('data', (more: Buffer) => onRequest(Buffer.concat([first, more])));
      const code = first.readInt32BE(4);
      if (code === GSSENC_REQUEST) {
        client.write('N');
        client.once('data', onRequest);
        return;
      }
      if (code !== SSL_REQUEST) {
        client.end(fatal('28000', 'SSL required: this server accepts TLS connections only'));
        return;
      }
      client.write('S');
      const secure = new TLSSocket(client, {
        isServer: true,
        key: certificate.key,
        cert: certificate.cert,
      });
      secure.on('error', () => client.destroy());
      secure.once('secure', () => {
        const backend = connect(upstream.port, upstream.host);
        sockets.add(backend);
        backend.on('close', () => {
          sockets.delete(backend);
          secure.destroy();
        });
        backend.on('error', () => secure.destroy());
        secure.on('close', () => backend.destroy());
        secure.pipe(backend).pipe(secure);
      });
    };
    client.once('data', onRequest);
  });
  return listenLocally(server, sockets);
}

/** Listens with TLS (the certificate given) and forwards the decrypted bytes to `upstream`: HTTPS in front of HTTP. */
export async function startTlsProxy(
  upstream: { host: string; port: number },
  certificate: Certificate,
): Promise<TlsProxy> {
  const sockets = new Set<Socket>();
  const server = createTlsServer({ key: certificate.key, cert: certificate.cert }, (secure) => {
    const backend = connect(upstream.port, upstream.host);
    for (const socket of [secure, backend]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        secure.destroy();
        backend.destroy();
      });
    }
    secure.pipe(backend).pipe(secure);
  });
  return listenLocally(server, sockets);
}

/** Listens on a free local port; close() also ends the connections still open. */
async function listenLocally(server: Server, sockets: Set<Socket>): Promise<TlsProxy> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the TLS proxy has no port');
  return {
    port: address.port,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
