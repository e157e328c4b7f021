// One id a request: the router's X-Request-ID kept when it follows the router's rule, replaced when it
// does not, answered back, on every log line of the request, stored with the email it queues and on
// the worker's lines for that email.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import request from 'supertest';
import { requestIdFor } from '../../src/platform/request-id.ts';
import { buildTestApp, type LogLine } from '../support/app.ts';
import { agent, signUp } from '../support/forms.ts';
import { smtpSink } from '../support/mail.ts';
import { start, withTimeout } from '../support/process.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const GOOD = 'f2b6a3c1-router-made+id/with=all-kinds';

let built: Awaited<ReturnType<typeof buildTestApp>>;
before(async () => {
  built = await buildTestApp();
});

const linesOf = (logs: LogLine[], id: string) => logs.filter((line) => line.requestId === id);

describe('the request id', () => {
  test('follows the router’s rule: 20 to 200 of A-Z a-z 0-9 + / = -', () => {
    for (const kept of ['a'.repeat(20), 'Z9+/=-'.repeat(33) + 'ab', GOOD]) {
      assert.equal(requestIdFor(kept), kept, `${kept.length} characters`);
    }
    for (const replaced of [
      'a'.repeat(19),
      'a'.repeat(201),
      'an id with spaces in it',
      'ab_cd.ef',
    ]) {
      assert.match(requestIdFor(replaced), UUID, `${replaced.length} characters: ${replaced}`);
    }
    assert.match(requestIdFor(undefined), UUID);
    assert.match(requestIdFor([GOOD, 'another one of twenty']), /^f2b6a3c1-router/);
  });

  test('a good one is kept: answered back and on the request’s log line', async () => {
    const answer = await request(built.app).get('/').set('X-Request-ID', GOOD).expect(200);
    assert.equal(answer.headers['x-request-id'], GOOD);
    const lines = linesOf(built.logs, GOOD);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!.msg, /^GET \/ 200 \d+ms$/);
  });

  test('one too long or with odd characters is replaced, and never logged raw', async () => {
    const odd = [`${'x'.repeat(190)}<script>alert(1)</script>`, 'z'.repeat(201), 'short-one'];
    for (const sent of odd) {
      const before = built.logs.length;
      const answer = await request(built.app).get('/').set('X-Request-ID', sent).expect(200);
      const made = String(answer.headers['x-request-id']);
      assert.match(made, UUID);
      const written = JSON.stringify(built.logs.slice(before));
      assert.ok(!written.includes(sent), 'the sent id is nowhere in the log');
      assert.equal(linesOf(built.logs, made).length, 1, 'the made one is on the request line');
    }
  });

  test('a request without one gets one of its own, different each time', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const answer = await request(built.app).get('/healthz');
      ids.add(String(answer.headers['x-request-id']));
    }
    assert.equal(ids.size, 3);
    for (const id of ids) assert.match(id, UUID);
  });

  test('one id through a signup, its outbox row and the worker’s delivery line', async () => {
    const id = 'signup-trace-0123456789abcdef';
    const client = agent(built.app).set('X-Request-ID', id);
    const email = 'traced@example.com';
    const signup = await signUp(client, {
      email,
      displayName: 'Traced',
      password: 'a long enough password',
    });
    assert.equal(signup.status, 303);
    assert.equal(signup.headers['x-request-id'], id);
    assert.ok(
      linesOf(built.logs, id).some((line) => /^POST \/signup 303/.test(line.msg)),
      'the signup’s request line carries the id',
    );
    const row = await built.deps.db('email_outbox').where({ to_address: email }).first();
    assert.equal(row?.request_id, id);

    // The worker is a process of its own: the id reaches it only through the row.
    const sink = await smtpSink();
    const worker = start(['src/worker.ts'], {
      NODE_ENV: 'test',
      DATABASE_URL: built.deps.config.database.url,
      SMTP_URL: sink.url,
      WORKER_POLL_MS: '20',
    });
    try {
      await sink.waitFor(1, 30_000);
    } finally {
      worker.process.kill('SIGTERM');
      await withTimeout(worker.exited, 30_000, 'the worker to stop');
    }
    const lines = worker
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
    const sent = lines.filter((line) => line.outcome === 'sent');
    assert.equal(sent.length, 1, worker.output());
    assert.equal(sent[0]!.requestId, id);
    assert.equal(sent[0]!.outboxId, String(row?.id));
    // The id stays with that message: the worker's own lines, before and after it, have none.
    const others = lines.filter((line) => line.outcome === undefined);
    assert.ok(others.length >= 2, worker.output());
    for (const line of others) assert.equal(line.requestId, undefined, line.msg);
  });
});
