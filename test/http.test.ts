// The web server at the HTTP level: odd request targets, clients that send too slowly, and the
// request log line.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { createApp } from '../src/app.ts';
import {
  HEADERS_TIMEOUT_MS,
  REQUEST_TIMEOUT_MS,
  serve,
  type RunningServer,
} from '../src/platform/http-server.ts';
import { buildTestApp } from './support/app.ts';

let built: Awaited<ReturnType<typeof buildTestApp>>;
let server: RunningServer;

before(async () => {
  built = await buildTestApp();
  server = await serve(createApp(built.deps), {
    port: 0,
    logger: built.deps.logger,
    shutdownTimeoutMs: 1000,
    headersTimeoutMs: 500,
    requestTimeoutMs: 800,
  });
});
after(() => server.shutdown('tests done'));

/** Sends raw bytes and resolves with what came back once the server closed or answered in full. */
function raw(text: string, { waitMs = 3000 } = {}): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${waitMs} ms; got: ${received.slice(0, 200)}`));
    }, waitMs);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (/\r\n\r\n/.test(received)) socket.end();
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0);
      resolve({ status, ms: performance.now() - started });
    });
    socket.on('error', () => undefined);
    socket.write(text);
  });
}

describe('request targets', () => {
  const targets: Array<[method: string, target: string]> = [
    ['OPTIONS', '*'],
    ['GET', '*'],
    ['GET', '*?x'],
    ['GET', 'http://other.example/'],
    ['GET', 'example.com:443'],
    ['GET', '?x=1'],
    ['GET', '//'],
    ['GET', '//evil.example/'],
    ['GET', '/%'],
    ['GET', '/%zz'],
    ['GET', '/%E0%A4%A'],
    ['GET', '/assets/%2e%2e/%2e%2e/package.json'],
    ['GET', '/assets/..%2f..%2fpackage.json'],
    ['GET', `/${'a'.repeat(8000)}`],
    ['POST', '*'],
    ['HEAD', '*'],
  ];
  for (const [method, target] of targets) {
    const page = target.startsWith('/');
    test(`${method} ${target.slice(0, 40)} gets ${page ? 'an answer' : 'a 4xx'}, never a 5xx`, async () => {
      const { status } = await raw(`${method} ${target} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
      assert.ok(status >= (page ? 200 : 400) && status < 500, `answered ${status}`);
    });
  }
  test('the site itself still answers', async () => {
    const { status } = await raw('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    assert.equal(status, 200);
  });
});

describe('slow clients', () => {
  test('the defaults end a slow request well within the router’s 30 s', () => {
    assert.ok(HEADERS_TIMEOUT_MS <= REQUEST_TIMEOUT_MS && REQUEST_TIMEOUT_MS < 30_000);
  });

  test('a body announced longer than it is sent is not waited for past the request timeout', async () => {
    const { status, ms } = await raw(
      'POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
        'Content-Length: 1000\r\n\r\nemail=a',
    );
    // 408 where a route reads the body; a route that never reads it answers (404) at once.
    assert.ok(status === 408 || status === 404, `answered ${status}`);
    assert.ok(ms < 2500, `closed after ${Math.round(ms)} ms`);
  });

  test('headers that never end get a 408 too', async () => {
    const { status, ms } = await raw('GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: 1\r\n');
    assert.equal(status, 408);
    assert.ok(ms < 2500, `closed after ${Math.round(ms)} ms`);
  });
});

describe('the request log', () => {
  test('names the path as requested, once, without the query, and cut short', async () => {
    const path = `/${'p'.repeat(15_000)}`;
    await request(built.app).get(`${path}?token=secret`).expect(404);
    await request(built.app).get('/assets/site.css').expect(200);
    const lines = built.logs.map((l) => JSON.stringify(l));
    const long = lines.find((l) => l.includes('pppp'));
    assert.ok(long, 'the request was logged');
    assert.ok(long.length < 1000, `a ${long.length}-character line`);
    assert.equal(long.split('pppp').length - 1 > 0, true);
    assert.equal(long.match(/\/p{50}/g)?.length, 1, 'the path appears once');
    assert.doesNotMatch(long, /secret/);
    assert.ok(built.logs.some((l) => l.msg.startsWith('GET /assets/site.css 200')));
  });
});
