// The order in which every request meets the app's middleware: pinned, so that a module added by a
// later step lands in its declared place and cannot reorder what is there.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Router, type Express, type RequestHandler } from 'express';
import request from 'supertest';
import { createApp } from '../src/app.ts';
import type { AppModule, MiddlewarePlace } from '../src/app-module.ts';
import { modules } from '../src/modules.ts';
import { buildTestApp } from './support/app.ts';

/** The app's middleware by name, in the order a request meets it. */
const layersOf = (app: Express) =>
  (app.router as unknown as { stack: Array<{ name: string }> }).stack.map((layer) => layer.name);

describe('the middleware order', () => {
  test('is the one app.ts and the module list declare', async () => {
    // As in production, the site's address is https.
    const { app } = await buildTestApp({ PUBLIC_URL: 'https://www.campaign.example' });
    assert.deepEqual(layersOf(app), [
      // first
      'requestId', // @step 8+
      'servedBy', // @step 5+
      // the request log (pino-http's middleware is named "result")
      'result',
      'sitePath',
      // early
      'httpsRedirect', // @step 9+
      // @step 6+
      'noIndex',
      'showBanner',
      // @end
      'oneClickUnsubscribe', // @step 7+
      'helmetMiddleware',
      'serveStatic', // /assets/pico
      'serveStatic', // /assets
      // page
      // @step 2+
      'urlencodedParser',
      'session',
      'csrfProtection',
      'accountMenu',
      // @end
      // each module's routes, in the module list's order: health, campaign, accounts, photos, digest
      'router',
      'router',
      'router', // @step 2+
      'router', // @step 4+
      'router', // @step 7+
      'notFoundHandler',
      'errorHandler',
    ]);
  });

  test("puts a module's middleware in its place, in module order, before any routes", async () => {
    const { deps } = await buildTestApp();
    const seen: string[] = [];
    const probe =
      (label: string): RequestHandler =>
      (req, _res, next) => {
        // What a place promises: `first` comes before the request log, `early` after it.
        seen.push(`${label}${req.log ? ' (logged)' : ''}`);
        next();
      };
    const probing = (name: string): AppModule => ({
      middleware: () =>
        Object.fromEntries(
          (['page', 'early', 'first'] as MiddlewarePlace[]).map((place) => [
            place,
            [probe(`${name} ${place}`)],
          ]),
        ),
      routes: () =>
        Router().get(`/probe-${name}`, (_req, res) => {
          seen.push(`${name} route`);
          res.send('probed');
        }),
    });
    const app = createApp(deps, { one: probing('one'), ...modules, two: probing('two') });

    await request(app).get('/probe-two').expect(200);
    assert.deepEqual(seen, [
      'one first',
      'two first',
      'one early (logged)',
      'two early (logged)',
      'one page (logged)',
      'two page (logged)',
      'two route',
    ]);

    // A static asset is answered before the `page` middleware: no session is ever loaded for it.
    seen.length = 0;
    await request(app).get('/assets/site.css').expect(200);
    assert.deepEqual(seen, ['one first', 'two first', 'one early (logged)', 'two early (logged)']);
  });
});
