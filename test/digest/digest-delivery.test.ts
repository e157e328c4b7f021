// The day's digests from the job to the mailboxes: two worker processes drain one outbox, every
// digest arrives exactly once, and each carries the one-click unsubscribe headers RFC 8058 asks for.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Knex } from 'knex';
import { smtpSink } from '../support/mail.ts';
import { start, withTimeout } from '../support/process.ts';
import { addParticipants, JOB_ENV, jobDatabase, runJobProcess } from '../jobs/support.ts';

let db: Knex;
let url: string;

before(async () => {
  ({ db, url } = await jobDatabase());
});

test('two workers send every digest exactly once, with List-Unsubscribe and its one-click POST', async () => {
  const ids = await addParticipants(db, 300);
  const job = await runJobProcess(['digest'], {
    ...JOB_ENV,
    NODE_ENV: 'test',
    DATABASE_URL: url,
    PUBLIC_URL: 'https://contest.example',
  });
  assert.equal(job.code, 0, job.output);

  const sink = await smtpSink();
  const env = { NODE_ENV: 'test', DATABASE_URL: url, SMTP_URL: sink.url, WORKER_POLL_MS: '20' };
  const workers = [start(['src/worker.ts'], env), start(['src/worker.ts'], env)];
  try {
    await sink.waitFor(ids.length, 60_000);
    // Let a message sent twice arrive, should there be one.
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    for (const worker of workers) worker.process.kill('SIGTERM');
    await withTimeout(Promise.all(workers.map((w) => w.exited)), 30_000, 'the workers to stop');
  }
  assert.equal(sink.messages.length, ids.length);
  const recipients = new Set(sink.messages.map((m) => m.envelope.to.join()));
  assert.equal(recipients.size, ids.length, 'no participant got two');
  const sentBy = workers.map((w) => (w.output().match(/"outcome":"sent"/g) ?? []).length);
  assert.ok(
    sentBy.every((n) => n > 0),
    `both workers delivered: ${sentBy.join(' and ')}`,
  );
  for (const message of sink.messages) {
    assert.match(message.raw, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
    assert.match(
      message.raw,
      /^List-Unsubscribe:\s+<https:\/\/contest\.example\/unsubscribe\/\d+\.\d+\.[\w-]{43}>\r?$/m,
    );
  }
  const statuses: Array<{ status: string; n: string | number }> = await db('email_outbox')
    .select('status')
    .count({ n: '*' })
    .groupBy('status');
  assert.deepEqual(
    statuses.map((row) => [row.status, Number(row.n)]),
    [['sent', ids.length]],
  );
});
