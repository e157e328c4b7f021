// HTTP behaviour of the step-1 app: landing page, health check, static assets, 404 and 500 pages.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Router } from 'express';
import request from 'supertest';
import { createApp } from '../src/app.ts';
import type { Deps } from '../src/deps.ts';
import { modules } from '../src/modules.ts';
import { BackingServices } from '../src/platform/backing-services.ts';
import { StartupError } from '../src/platform/startup.ts';
import { buildTestApp } from './support/app.ts';

const campaign = {
  CAMPAIGN_NAME: 'Spring <Photo> Contest',
  CAMPAIGN_STARTS_AT: '2026-03-01',
  CAMPAIGN_ENDS_AT: '2026-03-31T23:59:59Z',
};

describe('GET /', () => {
  test('renders the campaign name (escaped) and its dates', async () => {
    const { app } = await buildTestApp(campaign, new Date('2026-03-10T12:00:00Z'));
    const res = await request(app)
      .get('/')
      .expect(200)
      .expect('Content-Type', /text\/html/);
    assert.match(res.text, /<h1>Spring &lt;Photo&gt; Contest<\/h1>/);
    assert.match(res.text, /1 March 2026/);
    assert.match(res.text, /31 March 2026/);
    assert.match(res.text, /22 days left/);
    assert.doesNotMatch(res.text, /<Photo>/);
  });

  test('says when the campaign opens before it starts, and that it ended after', async () => {
    const before = await buildTestApp(campaign, new Date('2026-02-27T12:00:00Z'));
    assert.match((await request(before.app).get('/')).text, /Opens in 2 days/);
    const after = await buildTestApp(campaign, new Date('2026-04-01T00:00:00Z'));
    assert.match((await request(after.app).get('/')).text, /has ended/);
  });

  test('links the CSS framework from this server, never from a CDN', async () => {
    const { app } = await buildTestApp();
    const res = await request(app).get('/');
    const links = [...res.text.matchAll(/href="([^"]+\.css)"/g)].map((m) => m[1]);
    assert.deepEqual(links, ['/assets/pico/pico.min.css', '/assets/site.css']);
    for (const href of links) {
      await request(app)
        .get(href)
        .expect(200)
        .expect('Content-Type', /text\/css/);
    }
  });
});

test('the Content-Security-Policy allows nothing it does not name, and no inline script or style', async () => {
  const { app } = await buildTestApp();
  const policy = String(
    (await request(app).get('/').expect(200)).headers['content-security-policy'],
  );
  assert.match(policy, /default-src 'none'(;|$)/);
  assert.match(policy, /style-src 'self'(;|$)/);
  assert.match(policy, /script-src 'self'(;|$)/);
  assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval/);
});

describe('GET /healthz', () => {
  test('answers JSON that the platform can poll', async () => {
    const { app } = await buildTestApp();
    const res = await request(app).get('/healthz').expect(200).expect('Content-Type', /json/);
    assert.equal(res.body.status, 'ok');
    assert.equal(res.headers['cache-control'], 'no-store');
  });

  test('requests that arrive while a check runs share it; the next request checks again', async () => {
    let checks = 0;
    let answer!: () => void;
    const services = new BackingServices();
    services.add({
      name: 'slow',
      check: () => {
        checks += 1;
        return new Promise<void>((resolve) => (answer = resolve));
      },
      unreachable: () => new StartupError('unused', 'unused'),
      describeOutage: () => undefined,
      close: () => Promise.resolve(),
    });
    const together = [services.health(), services.health(), services.health()];
    answer();
    const reports = await Promise.all(together);
    assert.equal(checks, 1);
    assert.deepEqual(reports[2]!.checks, { slow: 'ok' });
    const later = services.health();
    answer();
    await later;
    assert.equal(checks, 2);
  });
});

describe('errors', () => {
  test('an unknown path answers 404 as HTML for a browser', async () => {
    const { app } = await buildTestApp();
    const res = await request(app)
      .get('/no-such-page')
      .set('Accept', 'text/html,application/xhtml+xml')
      .expect(404)
      .expect('Content-Type', /text\/html/);
    assert.match(res.text, /<h1>Not found<\/h1>/);
  });

  test('an unknown path answers 404 as JSON for an API client', async () => {
    const { app } = await buildTestApp();
    const res = await request(app)
      .get('/no-such-page')
      .set('Accept', 'application/json')
      .expect(404)
      .expect('Content-Type', /json/);
    assert.deepEqual(res.body, { error: { status: 404, message: 'We could not find that page.' } });
  });

  test('a failing handler answers 500 without leaking the error, and logs it', async () => {
    const { deps, logs } = await buildTestApp();
    // A throwaway app with one extra module whose handler throws.
    const failing = Router().get('/boom', () => {
      throw new Error('secret database password in message');
    });
    const res = await request(withExtraModule(deps, failing))
      .get('/boom')
      .set('Accept', 'application/json')
      .expect(500);
    assert.equal(res.body.error.status, 500);
    assert.doesNotMatch(JSON.stringify(res.body), /secret/);
    const logged = logs.find((l) => l.msg === 'request failed');
    assert.ok(logged, 'the 500 is logged');
    assert.match(JSON.stringify(logged), /secret database password/);
  });

  test('a rejected promise from an async handler reaches the error page', async () => {
    const { deps } = await buildTestApp();
    const failing = Router().get('/async-boom', async () => {
      await Promise.resolve();
      throw new Error('async failure');
    });
    const res = await request(withExtraModule(deps, failing))
      .get('/async-boom')
      .set('Accept', 'text/html');
    assert.equal(res.status, 500);
    assert.match(res.text, /Something went wrong on our side/);
  });
});

function withExtraModule(deps: Deps, router: Router) {
  return createApp(deps, { testOnly: { routes: () => router }, ...modules });
}
