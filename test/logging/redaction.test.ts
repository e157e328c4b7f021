// The redaction list: each kind of secret is caught in a line and what is around it stays readable; and
// a signup, a login, a photo upload and an unsubscribe, logged at the most detailed level, leave none of
// their secrets in any line.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import request from 'supertest';
import { unsubscribeToken } from '../../src/digest/unsubscribe.ts';
import { REDACTED, redactText } from '../../src/platform/redaction.ts';
import { buildTestApp } from '../support/app.ts';
import { submit } from '../support/forms.ts';
import { png } from '../support/images.ts';
import { confirm, participant, sendToBucket, signed } from '../support/photos.ts';

describe('the redaction list', () => {
  const cases: Array<[string, string, string]> = [
    [
      'a presigned URL’s signature and credential',
      'GET https://bucket.example/p/1?X-Amz-Credential=AKIA%2F20261204&X-Amz-Signature=0fe1a2b3c4&X-Amz-Expires=300',
      `GET https://bucket.example/p/1?X-Amz-Credential=${REDACTED}&X-Amz-Signature=${REDACTED}&X-Amz-Expires=300`,
    ],
    [
      'a password in a database URL',
      'could not reach postgres://u8a:p4ssw0rd@ec2-1-2-3-4.compute.example:5432/d9',
      `could not reach postgres://u8a:${REDACTED}@ec2-1-2-3-4.compute.example:5432/d9`,
    ],
    [
      'a password in a Redis URL with no user',
      'redis at rediss://:hunter2hunter2@host.example:6380',
      `redis at rediss://:${REDACTED}@host.example:6380`,
    ],
    [
      'a bearer token',
      'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc',
      `Authorization: Bearer ${REDACTED}`,
    ],
    [
      'basic credentials',
      'authorization=Basic dXNlcjpwYXNzd29yZA==',
      `authorization=Basic ${REDACTED}`,
    ],
    [
      'an unsubscribe token in a path',
      'POST /unsubscribe/12.20790.abcDEF_-xyz 200 4ms',
      `POST /unsubscribe/${REDACTED} 200 4ms`,
    ],
    [
      'a session cookie',
      'cookie: campaign.sid=s%3Aabc.def; theme=dark',
      `cookie: campaign.sid=${REDACTED}; theme=dark`,
    ],
    [
      'secret fields at any depth',
      '{"msg":"x","body":{"password":"hunter2","passwordConfirm":"hunter2","_csrf":"tok"},"headers":{"cookie":"a=b","authorization":"Basic x"}}',
      `{"msg":"x","body":{"password":"${REDACTED}","passwordConfirm":"${REDACTED}","_csrf":"${REDACTED}"},"headers":{"cookie":"${REDACTED}","authorization":"${REDACTED}"}}`,
    ],
    [
      'a presigned POST’s fields',
      '{"fields":{"key":"pending/1/a","Policy":"eyJleHBp","X-Amz-Signature":"9a8b"}}',
      `{"fields":{"key":"pending/1/a","Policy":"${REDACTED}","X-Amz-Signature":"${REDACTED}"}}`,
    ],
    [
      'a set-cookie list',
      '{"set-cookie":["campaign.sid=s%3Aabc; Path=/","x=1"]}',
      `{"set-cookie":"${REDACTED}"}`,
    ],
  ];
  for (const [what, line, redacted] of cases) {
    test(`catches ${what}`, () => {
      assert.equal(redactText(line), redacted);
    });
  }

  test('leaves a line with nothing secret as it was', () => {
    const line =
      '{"level":30,"requestId":"a1b2c3d4e5f6a7b8c9d0","msg":"GET /me/photo 200 3ms","outboxId":"7","tokens":3}';
    assert.equal(redactText(line), line);
  });
});

test('a signup, a login, an upload and an unsubscribe leave no secret in the log', async () => {
  const built = await buildTestApp({ LOG_LEVEL: 'trace' });
  const secrets = new Map<string, string>();
  const keep = (what: string, value: string | undefined) => {
    assert.ok(value, `the test found ${what}`);
    secrets.set(what, value);
  };

  // Sign up and upload a photo: a password, a session cookie, CSRF tokens, a presigned POST, a link.
  const who = await participant(built.app, 'redact');
  keep('the password', 'redact has a long password');
  keep('the photo form’s CSRF token', who.csrf);
  const upload = await signed(who, 'image/png');
  keep('the upload policy', upload.fields.Policy ?? upload.fields.policy);
  keep('the upload signature', upload.fields['X-Amz-Signature']);
  const stored = await sendToBucket(upload, png(32, 32), { type: 'image/png' });
  assert.ok(stored.status < 400, `the bucket took the photo (${stored.status})`);
  const confirmed = await confirm(who, upload.id);
  assert.ok(confirmed.ok, `the upload was confirmed (${confirmed.status})`);
  const page = await who.client.get('/me/photo').expect(200);
  keep('the photo link’s signature', /X-Amz-Signature=([0-9a-f]+)/.exec(page.text)?.[1]);

  // Log out and in again: a second password form, a new session.
  const me = await who.client.get('/me').expect(200);
  const logoutToken = /name="_csrf" value="([^"]+)"/.exec(me.text)?.[1] ?? '';
  await who.client.post('/logout').type('form').send({ _csrf: logoutToken });
  const login = await submit(who.client, '/login', {
    email: who.email,
    password: 'redact has a long password',
  });
  assert.equal(login.status, 303);
  const cookie = String(login.headers['set-cookie'] ?? '');
  keep('the session cookie', /=([^;]+)/.exec(cookie)?.[1]);

  // Opt in to the digest, then follow its link and its one-click POST.
  const user = await built.deps.db('users').where({ email: who.email }).first();
  await built.deps.db('digest_subscriptions').insert({ user_id: user.id });
  const token = unsubscribeToken(
    built.deps.config.unsubscribe.secret,
    { id: String(user.id), email: who.email },
    new Date(Date.now() + 24 * 60 * 60 * 1000),
  );
  keep('the unsubscribe token', token.split('.').at(-1));
  await request(built.app).get(`/unsubscribe/${token}`).expect(200);
  await request(built.app)
    .post(`/unsubscribe/${token}`)
    .type('form')
    .send({ 'List-Unsubscribe': 'One-Click' });

  const written = built.logs.map((line) => JSON.stringify(line));
  const requests = written.filter((line) => /"msg":"(GET|POST) \//.test(line));
  for (const path of [
    '/signup',
    '/me/photo/uploads',
    '/me/photo/confirm',
    '/login',
    '/unsubscribe/',
  ]) {
    assert.ok(
      requests.some((line) => line.includes(` ${path}`)),
      `the log has the request line of ${path}`,
    );
  }
  for (const [what, secret] of secrets) {
    const leaks = written.filter((line) => line.includes(secret));
    assert.deepEqual(leaks, [], `${what} is in no log line`);
  }
});
