// The outbox end to end on a real SMTP server: signup writes the welcome email in its transaction, the
// worker delivers it, retries what can be retried and gives up on what cannot.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createAccounts } from '../../src/accounts/accounts.service.ts';
import { createUsersRepo } from '../../src/accounts/accounts.repo.ts';
import { retryDelay, type Outcome } from '../../src/email/delivery.ts';
import { classifySendError, type SendFailure } from '../../src/email/mailer.ts';
import { createOutboxRepo } from '../../src/email/outbox.repo.ts';
import type { SmtpSink } from '../../scripts/dev/index.ts';
import { buildTestApp } from '../support/app.ts';
import { agent, signUp } from '../support/forms.ts';
import { smtpSink, testDelivery } from '../support/mail.ts';
import { startProxy, type Proxy } from '../support/tcp-proxy.ts';

let built: Awaited<ReturnType<typeof buildTestApp>>;
let sink: SmtpSink;
let proxy: Proxy;

before(async () => {
  sink = await smtpSink();
  proxy = await startProxy({ host: '127.0.0.1', port: sink.port });
  built = await buildTestApp({
    CAMPAIGN_NAME: 'Harbour Lights Photo Contest',
    PUBLIC_URL: 'https://contest.example.com',
  });
});
after(() => proxy.close());

beforeEach(async () => {
  await built.deps.db('email_outbox').delete();
  sink.messages.length = 0;
  sink.verdict = () => 'accept';
  sink.acceptLogin = () => true;
  proxy.restore();
});

/** A worker reaching the SMTP server through the proxy, which the tests can cut. */
const worker = (env: Record<string, string> = {}) =>
  testDelivery(built.deps, {
    SMTP_URL: `smtp://127.0.0.1:${proxy.port}`,
    MAIL_MAX_ATTEMPTS: '4',
    ...env,
  });

/** Delivers until the outbox has nothing due; waits out the (millisecond) retry delays. */
async function drain(delivery = worker()): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (let i = 0; i < 50; i++) {
    const outcome = await delivery.deliverNext();
    outcomes.push(outcome);
    if (outcome === 'idle') {
      const pending = await built.deps
        .db('email_outbox')
        .where({ status: 'pending' })
        // Due within the test's millisecond retries; not one queued for days from now.
        .andWhere('next_attempt_at', '<', built.deps.db.raw("now() + interval '1 minute'"))
        .count({ n: '*' });
      if (Number(pending[0]!.n) === 0) return outcomes;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return outcomes;
}

// The welcome emails: other kinds that a signup may queue for later are not these tests' business.
const rows = () => built.deps.db('email_outbox').where({ kind: 'welcome' }).orderBy('id');

describe('the welcome email', () => {
  test('signup queues it without touching SMTP; the worker delivers it with the right recipient, subject and link', async () => {
    proxy.cut(); // SMTP is down while the visitor signs up: the signup does not notice.
    const res = await signUp(agent(built.app), {
      email: 'ann@example.com',
      displayName: 'Ann Lee',
      password: 'welcome me',
    });
    assert.equal(res.status, 303);
    const [queued] = await rows();
    assert.equal(queued.status, 'pending');
    assert.equal(sink.messages.length, 0);

    proxy.restore();
    await drain();
    const [mail] = await sink.waitFor(1);
    assert.deepEqual(mail!.envelope.to, ['ann@example.com']);
    assert.equal(
      mail!.parsed.to && 'text' in mail!.parsed.to ? mail!.parsed.to.text : '',
      '"Ann Lee" <ann@example.com>',
    );
    assert.equal(mail!.parsed.subject, 'Welcome to Harbour Lights Photo Contest');
    assert.match(mail!.parsed.text ?? '', /Go to the campaign: https:\/\/contest\.example\.com\//);
    assert.match(
      String(mail!.parsed.html),
      /<a href="https:\/\/contest\.example\.com\/">Go to the campaign<\/a>/,
    );
    const [sent] = await rows();
    assert.equal(sent.status, 'sent');
    assert.equal(sent.attempts, 1);
  });

  test('a signup whose welcome email cannot be written stores no user either', async () => {
    const { db } = built.deps;
    const accounts = createAccounts(built.deps, createUsersRepo(db));
    // The outbox insert fails after the user's row is written, in the same transaction.
    await db.schema.renameTable('email_outbox', 'email_outbox_away');
    try {
      await assert.rejects(
        accounts.signUp({
          email: 'half@example.com',
          displayName: 'Half',
          password: 'half written',
        }),
        /email_outbox/,
      );
    } finally {
      await db.schema.renameTable('email_outbox_away', 'email_outbox');
    }
    assert.equal(await db('users').where({ email: 'half@example.com' }).first(), undefined);
    assert.deepEqual(await rows(), []);
  });
});

describe('delivery faults', () => {
  const queue = async (email: string, name = 'Someone') =>
    signUp(agent(built.app), { email, displayName: name, password: 'some password' });

  test('SMTP refusing connections costs the message nothing; once it is back, exactly one delivery', async () => {
    await queue('patient@example.com');
    proxy.cut();
    const delivery = worker();
    assert.equal(await delivery.deliverNext(), 'unavailable');
    assert.equal(await delivery.deliverNext(), 'unavailable');
    const [waiting] = await rows();
    assert.equal(waiting.status, 'pending');
    assert.equal(waiting.attempts, 0, 'an unreachable server is not the message’s fault');

    proxy.restore();
    await drain(delivery);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(sink.messages.length, 1);
    const [done] = await rows();
    assert.equal(done.status, 'sent');
    assert.equal(done.attempts, 1);
  });

  test('a wrong SMTP password loses no mail: the worker pauses, one line a pause, then delivers all', async () => {
    for (let i = 1; i <= 5; i++) await queue(`rotated${i}@example.com`);
    const delivery = worker({ SMTP_URL: `smtp://postmaster:old-password@127.0.0.1:${sink.port}` });
    sink.acceptLogin = (_user, password) => password === 'new-password';
    const before = built.logs.length;
    const stop = new AbortController();
    const running = delivery.run(stop.signal);
    await new Promise((r) => setTimeout(r, 700));
    stop.abort();
    await running;

    const all = await rows();
    assert.equal(sink.messages.length, 0);
    assert.deepEqual(
      all.map((r): unknown[] => [r.status, r.attempts]),
      Array.from({ length: 5 }, () => ['pending', 0]),
    );
    const lines = built.logs.slice(before);
    const pauses = lines.filter((l) => l.outcome === 'unavailable');
    assert.ok(pauses.length >= 2, `${pauses.length} pauses`);
    assert.equal(lines.length, pauses.length, 'one line a pause, none a message');
    assert.match(pauses[0]!.msg, /nothing lost: the SMTP server refused the login .*535/);
    assert.match(pauses[0]!.msg, /check the user and password/);
    // Each pause is about twice the last one.
    assert.ok(Number(pauses[1]!.pauseMs) > Number(pauses[0]!.pauseMs));

    sink.acceptLogin = () => true; // the password in the config is right again
    await drain(delivery);
    assert.equal(sink.messages.length, 5);
    assert.deepEqual(
      (await rows()).map((r): unknown[] => [r.status, r.attempts]),
      Array.from({ length: 5 }, () => ['sent', 1]),
    );
  });

  test('a temporary 4xx answer is retried until it is accepted', async () => {
    await queue('busy@example.com');
    let answers = 0;
    sink.verdict = () => (++answers <= 2 ? 'temporary' : 'accept');
    const outcomes = await drain();
    assert.deepEqual(
      outcomes.filter((o) => o !== 'idle'),
      ['retry', 'retry', 'sent'],
    );
    assert.equal(sink.messages.length, 1);
  });

  test('a permanent 5xx rejection marks the message failed and stops retrying', async () => {
    await queue('nobody@example.com');
    sink.verdict = () => 'permanent';
    const outcomes = await drain();
    assert.deepEqual(
      outcomes.filter((o) => o !== 'idle'),
      ['failed'],
    );
    const [failed] = await rows();
    assert.equal(failed.status, 'failed');
    assert.equal(failed.attempts, 1);
    assert.match(failed.last_error, /550/);
    assert.equal(await worker().deliverNext(), 'idle');
  });

  test('temporary failures stop at the attempt limit', async () => {
    await queue('never@example.com');
    sink.verdict = () => 'temporary';
    const outcomes = await drain();
    assert.deepEqual(
      outcomes.filter((o) => o !== 'idle'),
      ['retry', 'retry', 'retry', 'failed'],
    );
    const [failed] = await rows();
    assert.equal(failed.status, 'failed');
    assert.equal(failed.attempts, 4);
  });

  test('every attempt logs one line naming the message and its outcome', async () => {
    await queue('logged@example.com');
    const before = built.logs.length;
    sink.verdict = (() => {
      let n = 0;
      return () => (++n === 1 ? 'temporary' : 'accept');
    })();
    await drain();
    const lines = built.logs.slice(before).filter((l) => typeof l.outcome === 'string');
    const [row] = await rows();
    assert.deepEqual(
      lines.map((l) => [l.outboxId, l.attempt, l.outcome]),
      [
        [String(row.id), 1, 'retry'],
        [String(row.id), 2, 'sent'],
      ],
    );
  });
});

describe('headers', () => {
  test('CR/LF in a name or address written straight into the outbox cannot add a header', async () => {
    const outbox = createOutboxRepo();
    await built.deps.db.transaction((trx) =>
      outbox.enqueue(trx, {
        kind: 'welcome',
        to: { address: 'target@example.com', name: 'Eve\r\nBcc: victim@example.com' },
        subject: 'Hello\r\nX-Injected: yes',
        text: 'body',
        html: '<p>body</p>',
      }),
    );
    await drain();
    const [mail] = await sink.waitFor(1);
    assert.deepEqual(mail!.envelope.to, ['target@example.com']);
    assert.equal(mail!.parsed.bcc, undefined);
    assert.equal(mail!.parsed.headers.get('x-injected'), undefined);
    assert.doesNotMatch(mail!.raw, /^(Bcc|X-Injected):/im);
  });
});

test('retry delays double from the base, stay within ±20%, and stop growing at an hour', () => {
  assert.equal(
    retryDelay(1, 1000, () => 0.5),
    1000,
  );
  assert.equal(
    retryDelay(3, 1000, () => 0.5),
    4000,
  );
  assert.equal(
    retryDelay(3, 1000, () => 0),
    3200,
  );
  assert.equal(
    retryDelay(3, 1000, () => 1),
    4800,
  );
  assert.equal(
    retryDelay(40, 1000, () => 0.5),
    60 * 60 * 1000,
  );
});

test('a failed send is told apart: SMTP unusable, this message refused for good, or for now', () => {
  const cases: Array<[error: Record<string, unknown>, expected: SendFailure]> = [
    [{ code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN' }, 'unavailable'],
    [{ code: 'ECONNECTION' }, 'unavailable'],
    [{ code: 'ETIMEDOUT' }, 'unavailable'],
    [{ code: 'ETLS' }, 'unavailable'],
    [{ code: 'EENVELOPE', responseCode: 553, command: 'MAIL FROM' }, 'unavailable'],
    [{ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' }, 'rejected'],
    // Mailgun's sandbox refuses an address it does not allow with 421: that address, not SMTP.
    [{ code: 'EENVELOPE', responseCode: 421, command: 'RCPT TO' }, 'deferred'],
    [{ code: 'EMESSAGE', responseCode: 552, command: 'DATA' }, 'rejected'],
    [{ code: 'EMESSAGE', responseCode: 451, command: 'DATA' }, 'deferred'],
  ];
  for (const [error, expected] of cases) {
    assert.equal(
      classifySendError(Object.assign(new Error('x'), error)),
      expected,
      JSON.stringify(error),
    );
  }
});
