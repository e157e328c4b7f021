// Environment identity through HTTP: the password gate of a private environment, the search-engine
// header and the banner outside production, and /healthz open to the platform.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import express, { type Express } from 'express';
import request from 'supertest';
import type { Deps } from '../../src/deps.ts';
import {
  environmentMiddleware,
  environmentModule,
  type EnvironmentSettings,
} from '../../src/platform/environment.ts';
import { html } from '../../src/platform/html.ts';
import { page } from '../../src/web/layout.ts';
import { buildTestApp } from '../support/app.ts';

const CAMPAIGN = 'Winter Photo Contest';
const access = { user: 'preview', password: 'correct horse battery' };
const staging: EnvironmentSettings = { name: 'staging', production: false, access };
const production: EnvironmentSettings = { name: 'production', production: true };

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** An app with the middleware, a page in the site's layout, and /healthz; `reached` counts the page's visits. */
function appFor(settings: EnvironmentSettings) {
  const reached = { page: 0 };
  const app: Express = express();
  for (const handler of environmentMiddleware(settings, CAMPAIGN)) app.use(handler);
  app.get('/', (_req, res) => {
    reached.page++;
    res.send(page({ ...res.locals, siteName: CAMPAIGN }, 'Home', html`<p>The contest</p>`));
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  return { app, reached };
}

describe('a private environment (BASIC_AUTH_* set)', () => {
  test('refuses a request without credentials with 401 and a Basic challenge naming the site', async () => {
    const { app, reached } = appFor(staging);
    const res = await request(app).get('/').expect(401);
    assert.equal(
      res.get('WWW-Authenticate'),
      'Basic realm="Winter Photo Contest (staging)", charset="UTF-8"',
    );
    assert.match(res.get('Content-Type') ?? '', /^text\/plain/);
    assert.match(res.text, /private.*user name and password/s);
    assert.equal(reached.page, 0);
  });

  test('refuses a wrong password, a wrong user and a malformed header, and never reaches the page', async () => {
    const { app, reached } = appFor(staging);
    for (const authorization of [
      basic(access.user, 'wrong password!'),
      basic('someone', access.password),
      basic(access.user, `${access.password}x`),
      'Basic not-base64!',
      `Bearer ${access.password}`,
    ]) {
      const res = await request(app).get('/').set('Authorization', authorization);
      assert.equal(res.status, 401, authorization);
      assert.ok(res.get('WWW-Authenticate'), authorization);
    }
    assert.equal(reached.page, 0);
  });

  test('serves the page to the right user and password', async () => {
    const { app, reached } = appFor(staging);
    await request(app)
      .get('/')
      .set('Authorization', basic(access.user, access.password))
      .expect(200);
    assert.equal(reached.page, 1);
  });

  test('keeps /healthz open without credentials, for the platform and the deploy command', async () => {
    const { app } = appFor(staging);
    const res = await request(app).get('/healthz').expect(200);
    assert.deepEqual(res.body, { status: 'ok' });
  });

  test('puts a campaign name that is not plain ASCII into the realm without breaking the header', async () => {
    const app = express();
    for (const handler of environmentMiddleware(staging, 'Café "Snow" Contest')) app.use(handler);
    const res = await request(app).get('/').expect(401);
    assert.equal(
      res.get('WWW-Authenticate'),
      'Basic realm="Cafe \\"Snow\\" Contest (staging)", charset="UTF-8"',
    );
  });
});

describe('outside production', () => {
  test('every answer says noindex, the 401 and /healthz included', async () => {
    const { app } = appFor(staging);
    for (const path of ['/', '/healthz', '/nowhere']) {
      const res = await request(app).get(path);
      assert.equal(res.get('X-Robots-Tag'), 'noindex', path);
    }
  });

  test('pages show a banner saying which environment this is, first in the body', async () => {
    const { app } = appFor(staging);
    const res = await request(app)
      .get('/')
      .set('Authorization', basic(access.user, access.password))
      .expect(200);
    assert.match(
      res.text,
      /<body>\s*<div class="environment-banner" role="note"><strong>Staging<\/strong> — not the live site/,
    );
  });

  test('a development app without BASIC_AUTH_* is open and still marked', async () => {
    const { app } = appFor({ name: 'development', production: false });
    const res = await request(app).get('/').expect(200);
    assert.equal(res.get('X-Robots-Tag'), 'noindex');
    assert.match(res.text, /<strong>Development<\/strong>/);
  });
});

describe('production', () => {
  test('has neither the noindex header nor a banner, and asks for no password', async () => {
    const { app } = appFor(production);
    const res = await request(app).get('/').expect(200);
    assert.equal(res.get('X-Robots-Tag'), undefined);
    assert.doesNotMatch(res.text, /environment-banner/);
  });
});

test('the module reads the settings from the config and names the realm after the campaign', async () => {
  const deps = {
    config: {
      environment: { name: 'review', production: false, access },
      campaign: { name: 'Demo' },
    },
  } as unknown as Deps;
  const app = express();
  for (const handler of environmentModule.middleware?.(deps).early ?? []) app.use(handler);
  const res = await request(app).get('/').expect(401);
  assert.equal(res.get('WWW-Authenticate'), 'Basic realm="Demo (review)", charset="UTF-8"');
});

describe('the whole app, configured as staging from the environment', () => {
  const env = {
    APP_ENV: 'staging',
    BASIC_AUTH_USER: access.user,
    BASIC_AUTH_PASSWORD: access.password,
  };

  test('asks for the password on pages and assets, and keeps /healthz open', async () => {
    const { app } = await buildTestApp(env);
    await request(app).get('/').expect(401);
    await request(app).get('/assets/site.css').expect(401);
    await request(app)
      .get('/')
      .set('Authorization', basic(access.user, 'wrong password!'))
      .expect(401);
    const health = await request(app).get('/healthz').expect(200);
    assert.equal(health.get('X-Robots-Tag'), 'noindex');
  });

  test('shows the staging banner once the password is given', async () => {
    const { app } = await buildTestApp(env);
    const res = await request(app)
      .get('/')
      .set('Authorization', basic(access.user, access.password))
      .expect(200);
    assert.match(res.text, /<div class="environment-banner" role="note"><strong>Staging<\/strong>/);
  });
});
