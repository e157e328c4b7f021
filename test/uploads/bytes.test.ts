// The point of a direct upload, measured: during a 5 MB photo upload, the app's own traffic (from the
// browser, and with the bucket) stays at a few kilobytes, because the file goes from browser to bucket.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { buildTestApp } from '../support/app.ts';
import { testBucket } from '../support/bucket.ts';
import { png } from '../support/images.ts';
import { confirm, participant, sendToBucket, signed } from '../support/photos.ts';
import { startProxy, throughProxy, type Proxy } from '../support/tcp-proxy.ts';

let server: Server;
let proxy: Proxy;
const sockets: Socket[] = [];
const readByApp = () => sockets.reduce((sum, socket) => sum + socket.bytesRead, 0);

before(async () => {
  const bucket = await testBucket();
  // The app reaches the bucket through a proxy that counts; the browser's upload goes around it.
  proxy = await startProxy({ host: '127.0.0.1', port: bucket.port });
  const { app } = await buildTestApp({ S3_ENDPOINT: throughProxy(bucket.url, proxy) });
  server = createServer(app);
  server.on('connection', (socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await proxy.close();
});

test('a 5 MB photo costs the app a few kilobytes: the file never passes through it', async (t) => {
  const bucket = await testBucket();
  const who = await participant(server);
  const file = png(1280, 1280, 'noise');
  assert.ok(file.length > 4.5 * 1024 * 1024 && file.length <= 5 * 1024 * 1024, `${file.length}`);

  const fromBrowser = readByApp();
  const withBucket = proxy.transferred();
  const upload = await signed(who, 'image/png');
  const direct = { ...upload, url: `${bucket.url}/${bucket.bucket}` };
  assert.equal((await sendToBucket(direct, file, { type: 'image/png' })).status, 204);
  await confirm(who, upload.id).expect(200);

  const appRead = readByApp() - fromBrowser;
  const { toTarget, fromTarget } = proxy.transferred();
  const bucketTraffic = toTarget - withBucket.toTarget + (fromTarget - withBucket.fromTarget);
  t.diagnostic(
    `file ${file.length} bytes; the app read ${appRead} bytes from the browser and ` +
      `exchanged ${bucketTraffic} bytes with the bucket`,
  );
  assert.ok(appRead < 4096, `the app read ${appRead} bytes from the browser`);
  assert.ok(bucketTraffic < 16_384, `the app exchanged ${bucketTraffic} bytes with the bucket`);
});
