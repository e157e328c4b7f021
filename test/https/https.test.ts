// HTTPS behind the router: plain-HTTP requests go to PUBLIC_URL over HTTPS, HSTS as the config says,
// and the cookies' domain.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import request from 'supertest';
import { loadConfig } from '../../src/config.ts';
import { httpsConfig } from '../../src/platform/https.config.ts';
import { sessionConfig } from '../../src/platform/session.config.ts';
import { buildTestApp } from '../support/app.ts';
import { tokenIn } from '../support/forms.ts';

const SITE = 'https://www.campaign.example';
const viaRouter = (proto: 'http' | 'https') => ({ 'X-Forwarded-Proto': proto });

describe('a request that came over plain HTTP', () => {
  test('GET and HEAD are sent to the same path and query on PUBLIC_URL with a 301', async () => {
    const { app } = await buildTestApp({ PUBLIC_URL: SITE });
    for (const method of ['get', 'head'] as const) {
      const client = request(app);
      const res = await client[method]('/signup?ref=poster&lang=en')
        .set(viaRouter('http'))
        .expect(301);
      assert.equal(res.headers.location, `${SITE}/signup?ref=poster&lang=en`, method);
    }
  });

  test('any other method gets a 308, which keeps the method and the body, and runs nothing', async () => {
    const { app, deps } = await buildTestApp({ PUBLIC_URL: SITE });
    const before = await deps.db('users').count({ n: '*' }).first();
    const res = await request(app)
      .post('/signup')
      .set(viaRouter('http'))
      .type('form')
      .send({ email: 'plain@example.com', displayName: 'Plain', password: 'plain text 1' })
      .expect(308);
    assert.equal(res.headers.location, `${SITE}/signup`);
    assert.deepEqual(await deps.db('users').count({ n: '*' }).first(), before);
  });

  test('goes to PUBLIC_URL’s host whatever Host header or path the client sends', async () => {
    const { app } = await buildTestApp({ PUBLIC_URL: SITE });
    const forged = await request(app)
      .get('/me')
      .set(viaRouter('http'))
      .set('Host', 'attacker.example')
      .expect(301);
    assert.equal(forged.headers.location, `${SITE}/me`);
    // A path that starts with two slashes would name another host if it were read as a URL.
    const doubled = await request(app)
      .get('//attacker.example/login')
      .set(viaRouter('http'))
      .expect(301);
    assert.equal(new URL(doubled.headers.location!).host, 'www.campaign.example');
  });

  test('/healthz answers over plain HTTP, for the platform’s checks', async () => {
    const { app } = await buildTestApp({ PUBLIC_URL: SITE });
    const res = await request(app).get('/healthz').set(viaRouter('http')).expect(200);
    assert.equal(res.body.status, 'ok');
  });

  test('over HTTPS the page itself answers: no redirect loop', async () => {
    const { app } = await buildTestApp({ PUBLIC_URL: SITE });
    const res = await request(app).get('/?ref=poster').set(viaRouter('https')).expect(200);
    assert.match(res.text, /<h1>/);
  });

  test('a site whose PUBLIC_URL is plain http (development) never redirects', async () => {
    const { app } = await buildTestApp({ PUBLIC_URL: 'http://localhost:5000' });
    await request(app).get('/').set(viaRouter('http')).expect(200);
  });
});

describe('Strict-Transport-Security', () => {
  const hstsWith = async (env: Record<string, string>) => {
    const { app } = await buildTestApp({ PUBLIC_URL: SITE, ...env });
    const res = await request(app).get('/').set(viaRouter('https')).expect(200);
    return res.headers['strict-transport-security'];
  };

  test('by default, a year for this host alone: subdomains are not included', async () => {
    assert.equal(await hstsWith({}), 'max-age=31536000');
  });

  test('HSTS=include-subdomains adds them; HSTS_MAX_AGE sets the age', async () => {
    assert.equal(
      await hstsWith({ HSTS: 'include-subdomains', HSTS_MAX_AGE: '300' }),
      'max-age=300; includeSubDomains',
    );
  });

  test('HSTS=off sends none', async () => {
    assert.equal(await hstsWith({ HSTS: 'off' }), undefined);
  });

  test('a value it does not know is a config error naming the choices', () => {
    assert.throws(
      () => loadConfig({ HSTS: 'yes', HSTS_MAX_AGE: 'a year' }, { https: httpsConfig }),
      (err: Error) =>
        /HSTS: must be one of off, on, include-subdomains/.test(err.message) &&
        /HSTS_MAX_AGE:/.test(err.message),
    );
  });
});

describe('COOKIE_DOMAIN', () => {
  test('unset, the cookies carry no Domain: they go back to this host alone', async () => {
    const { app } = await buildTestApp({ PUBLIC_URL: SITE });
    const res = await request(app).get('/signup').set(viaRouter('https')).expect(200);
    const cookie = String(res.headers['set-cookie']);
    assert.match(cookie, /^form=.*HttpOnly/i);
    assert.doesNotMatch(cookie, /Domain=/i);
  });

  test('set, the form cookie, the session cookie and its clearing at logout all name it', async () => {
    const { app } = await buildTestApp({ PUBLIC_URL: SITE, COOKIE_DOMAIN: 'Campaign.Example' });
    // A cookie jar would keep these for campaign.example and not send them to the test's 127.0.0.1.
    const form = await request(app).get('/signup').set(viaRouter('https')).expect(200);
    const formCookie = String(form.headers['set-cookie']);
    assert.match(formCookie, /^form=[^;]+; Max-Age=\d+; Domain=campaign\.example;/i);
    const signedUp = await request(app)
      .post('/signup')
      .set(viaRouter('https'))
      .set('Cookie', formCookie.split(';')[0]!)
      .type('form')
      .send({
        email: 'domain@example.com',
        displayName: 'Domain',
        password: 'domain name 1',
        _csrf: tokenIn(form.text),
      })
      .expect(303);
    const session = String(signedUp.headers['set-cookie']);
    assert.match(session, /^sid=[^;]+; Domain=campaign\.example;.*HttpOnly.*SameSite=Lax/i);
    const sid = session.split(';')[0]!;
    const me = await request(app).get('/me').set(viaRouter('https')).set('Cookie', sid).expect(200);
    const loggedOut = await request(app)
      .post('/logout')
      .set(viaRouter('https'))
      .set('Cookie', sid)
      .type('form')
      .send({ _csrf: tokenIn(me.text) })
      .expect(303);
    assert.match(
      String(loggedOut.headers['set-cookie']),
      /^sid=; Domain=campaign\.example;.*Expires=Thu, 01 Jan 1970/i,
    );
  });

  test('a domain that does not cover PUBLIC_URL’s host, or is not a domain, is a config error', () => {
    const load = (env: Record<string, string>) =>
      loadConfig(env, { https: httpsConfig, session: sessionConfig });
    assert.throws(
      () => load({ PUBLIC_URL: SITE, COOKIE_DOMAIN: 'other.example' }),
      /COOKIE_DOMAIN: other\.example does not cover PUBLIC_URL's host www\.campaign\.example/,
    );
    // "ampaign.example" is a suffix of the host's name, but not a parent domain of it.
    assert.throws(
      () => load({ PUBLIC_URL: SITE, COOKIE_DOMAIN: 'ampaign.example' }),
      /does not cover/,
    );
    assert.throws(
      () => load({ PUBLIC_URL: SITE, COOKIE_DOMAIN: '.campaign.example' }),
      /COOKIE_DOMAIN: must be a domain name/,
    );
    assert.equal(
      load({ PUBLIC_URL: SITE, COOKIE_DOMAIN: 'campaign.example' }).session.cookie.domain,
      'campaign.example',
    );
  });
});
