// Worker processes on a real SMTP server: two of them share a queue without sending anything twice,
// one stopped with SIGTERM mid-batch loses nothing and repeats nothing when it starts again, one on a
// database not yet migrated says so once and delivers once it is, and one whose database hangs still
// stops by its deadline.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import knex, { type Knex } from 'knex';
import { createOutboxRepo } from '../../src/email/outbox.repo.ts';
import type { SmtpSink } from '../../scripts/dev/index.ts';
import { migrateLatest } from '../../src/platform/migrator.ts';
import { createTestDatabase, testDatabase } from '../support/db.ts';
import { smtpSink } from '../support/mail.ts';
import { start, withTimeout, type Child } from '../support/process.ts';
import { startProxy, throughProxy } from '../support/tcp-proxy.ts';

let db: Knex;
let sink: SmtpSink;
let env: Record<string, string>;

before(async () => {
  const database = await testDatabase();
  db = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 2 } });
  sink = await smtpSink();
  env = {
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    SMTP_URL: sink.url,
    WORKER_POLL_MS: '20',
  };
});

beforeEach(async () => {
  await db('email_outbox').delete();
  sink.messages.length = 0;
  sink.delayMs = 0;
});

async function enqueue(count: number, into: Knex = db): Promise<void> {
  const outbox = createOutboxRepo();
  await into.transaction(async (trx) => {
    for (let i = 1; i <= count; i++) {
      await outbox.enqueue(trx, {
        kind: 'test',
        to: { address: `person${i}@example.com`, name: `Person ${i}` },
        subject: `Message ${i}`,
        text: `Message ${i}`,
        html: `<p>Message ${i}</p>`,
      });
    }
  });
}

async function statusCounts(): Promise<Record<string, number>> {
  const rows: Array<{ status: string; n: string | number }> = await db('email_outbox')
    .select('status')
    .count({ n: '*' })
    .groupBy('status');
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

async function until(what: string, ms: number, done: () => boolean): Promise<void> {
  await withTimeout(
    (async () => {
      while (!done()) await new Promise((r) => setTimeout(r, 50));
    })(),
    ms,
    what,
  );
}

async function stop(worker: Child): Promise<number | null> {
  worker.process.kill('SIGTERM');
  return (await withTimeout(worker.exited, 15_000, 'worker exit')).code;
}

describe('worker processes', { timeout: 120_000 }, () => {
  test('in production the worker requires the database and SMTP, and nothing of web’s', async () => {
    const production = {
      NODE_ENV: 'production',
      // The test database has no TLS; Heroku's has, and the app asks for it unless the URL says not.
      DATABASE_URL: `${env.DATABASE_URL}?sslmode=disable`,
      SMTP_URL: env.SMTP_URL!,
      MAIL_FROM: 'Contest <contest@example.com>',
    };
    const worker = start(['src/worker.ts'], production);
    await withTimeout(
      (async () => {
        while (!/worker delivering email/.test(worker.output())) {
          if (worker.process.exitCode !== null) break;
          await new Promise((r) => setTimeout(r, 50));
        }
      })(),
      15_000,
      'the worker to start',
    );
    assert.doesNotMatch(worker.output(), /SESSION_SECRET|CAMPAIGN_|PUBLIC_URL/);
    assert.equal(await stop(worker), 0, worker.output());

    const { MAIL_FROM: _omitted, ...withoutSender } = production;
    const refused = start(['src/worker.ts'], withoutSender);
    assert.equal((await withTimeout(refused.exited, 15_000, 'exit')).code, 1);
    assert.match(
      refused.output(),
      /worker: Invalid configuration:\n {2}- MAIL_FROM: required in production/,
    );
  });

  test('on a database not yet migrated, the worker says once what is missing and what to run, then delivers once migrated', async () => {
    const fresh = await createTestDatabase({ migrate: false });
    const freshDb = knex({ client: 'pg', connection: fresh.url, pool: { min: 0, max: 1 } });
    const worker = start(['src/worker.ts'], { ...env, DATABASE_URL: fresh.url });
    try {
      await until('the worker to say the table is missing', 15_000, () =>
        /table does not exist/.test(worker.output()),
      );
      // Polling every 20 ms, a worker that said it each time would have said it fifty times here.
      await new Promise((r) => setTimeout(r, 1000));
      const said = worker.output().match(/table does not exist/g) ?? [];
      assert.equal(said.length, 1, worker.output());
      assert.match(
        worker.output(),
        /the email_outbox table does not exist: the migrations .*have not run on this database\. Run `npm run migrate`.*`heroku local release`/,
      );
      assert.doesNotMatch(worker.output(), /outbox not reachable|"stack"/);

      await migrateLatest(freshDb);
      await enqueue(1, freshDb);
      await sink.waitFor(1, 15_000);
      assert.equal(await stop(worker), 0, worker.output());
    } finally {
      if (worker.process.exitCode === null) worker.process.kill('SIGKILL');
      await freshDb.destroy();
      await fresh.drop();
    }
  });

  test('SIGTERM while the database hangs: the worker exits by its deadline, with 1 and one line saying what was still running', async () => {
    const target = new URL(env.DATABASE_URL!);
    const proxy = await startProxy({ host: target.hostname, port: Number(target.port) });
    const worker = start(['src/worker.ts'], {
      ...env,
      DATABASE_URL: throughProxy(env.DATABASE_URL!, proxy),
      SHUTDOWN_TIMEOUT_MS: '1000',
      // The query itself would give up only long after the deadline.
      DATABASE_QUERY_TIMEOUT_MS: '20000',
    });
    try {
      await until('the worker to start', 15_000, () =>
        /worker delivering email/.test(worker.output()),
      );
      proxy.hang();
      await new Promise((r) => setTimeout(r, 300)); // polling every 20 ms, it is waiting on a query now
      worker.process.kill('SIGTERM');
      const { code } = await withTimeout(
        worker.exited,
        15_000,
        'worker exit with the database hung',
      );
      assert.equal(code, 1, worker.output());
      const fatal = worker
        .output()
        .split('\n')
        .filter((line) => line.includes('"level":60'));
      assert.equal(fatal.length, 1, worker.output());
      assert.match(fatal[0]!, /the message in hand did not finish within 1000 ms; exiting anyway/);
    } finally {
      if (worker.process.exitCode === null) worker.process.kill('SIGKILL');
      await proxy.close();
    }
  });

  test('two workers on 100 queued messages: 100 deliveries, no duplicates', async () => {
    await enqueue(100);
    const workers = [start(['src/worker.ts'], env), start(['src/worker.ts'], env)];
    await sink.waitFor(100, 60_000);
    await new Promise((r) => setTimeout(r, 300)); // time for a duplicate to show up, if there were one
    for (const worker of workers) assert.equal(await stop(worker), 0, worker.output());

    const subjects = sink.messages.map((m) => m.parsed.subject);
    assert.equal(subjects.length, 100);
    assert.equal(new Set(subjects).size, 100, 'no message arrived twice');
    assert.deepEqual(await statusCounts(), { sent: 100 });
    const sentBy = workers.map((w) => (w.output().match(/"outcome":"sent"/g) ?? []).length);
    assert.equal(
      sentBy[0]! + sentBy[1]!,
      100,
      `each delivery is logged once (${sentBy.join(' + ')})`,
    );
  });

  test('SIGTERM in the middle of a batch: nothing lost, nothing sent twice after a restart', async () => {
    await enqueue(40);
    sink.delayMs = 25; // a slow server, so SIGTERM lands while a message is on the wire
    const first = start(['src/worker.ts'], env);
    await sink.waitFor(8, 30_000);
    assert.equal(await stop(first), 0, first.output());
    assert.match(first.output(), /stopping after the message in hand/);

    const afterStop = sink.messages.length;
    const counts = await statusCounts();
    assert.ok(afterStop < 40, 'the worker stopped before the end of the batch');
    assert.equal(
      counts.sent,
      afterStop,
      'every message that reached the server is marked sent, and only those',
    );
    assert.equal(counts.pending, 40 - afterStop);

    const second = start(['src/worker.ts'], env);
    await sink.waitFor(40, 60_000);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await stop(second), 0, second.output());
    const subjects = sink.messages.map((m) => m.parsed.subject);
    assert.equal(subjects.length, 40);
    assert.equal(new Set(subjects).size, 40);
    assert.deepEqual(await statusCounts(), { sent: 40 });
  });
});

after(() => db.destroy());
