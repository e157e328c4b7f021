// The digest job on a real database: any number of runs on one campaign day, one after another, side by
// side, or after one was killed with SIGKILL, leave exactly one digest for each participant who asked
// for it and none for anyone else; the campaign day and the hour are those of the campaign's zone.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, beforeEach, describe, test } from 'node:test';
import knex, { type Knex } from 'knex';
import { DAY_MS } from '../../src/campaign/campaign.ts';
import { enqueueDigests, type DigestRunOptions } from '../../src/digest/digest.job.ts';
import { createDigestRepo } from '../../src/digest/digest.repo.ts';
import { createTestDatabase } from '../support/db.ts';
import { start, withTimeout } from '../support/process.ts';
import {
  addParticipants,
  digestsPerParticipant,
  exactlyOneEach,
  JOB_ENV,
  jobDatabase,
  runJobProcess,
  summaryOf,
} from '../jobs/support.ts';

let db: Knex;
let url: string;

before(async () => {
  ({ db, url } = await jobDatabase());
});

beforeEach(async () => {
  await db('email_outbox').delete();
  await db('digest_editions').delete();
  await db('users').delete();
});

const NOW = new Date('2026-12-03T09:30:00Z');
// The day before NOW: the figures of NOW's digest do not depend on the day the tests run.
const JOINED = new Date('2026-12-02T12:00:00Z');
const join = (count: number, options: Parameters<typeof addParticipants>[2] = {}) =>
  addParticipants(db, count, { joinedAt: JOINED, ...options });

const run = (overrides: Partial<DigestRunOptions> = {}) =>
  enqueueDigests({
    db,
    campaign: {
      name: 'Winter Photo Contest',
      startsAt: new Date('2026-12-01T00:00:00Z'),
      endsAt: new Date('2027-01-31T00:00:00Z'),
    },
    publicUrl: 'https://contest.example',
    secret: 'a test secret that is long enough to sign',
    timeZone: 'UTC',
    hour: 8,
    batchSize: 50,
    now: NOW,
    ...overrides,
  });

describe('the digest job', () => {
  test('two runs on the same day: each participant gets exactly one digest', async () => {
    const ids = await join(230);
    const first = await run();
    assert.equal(first.enqueued, 230);
    const second = await run({ now: new Date(NOW.getTime() + 60 * 60 * 1000) });
    assert.equal(second.enqueued, 0);
    assert.match(second.message, /nothing left to send for 2026-12-03/);
    assert.deepEqual(exactlyOneEach(await digestsPerParticipant(db, '2026-12-03'), ids), []);
  });

  test("who opts in after the day's run gets the day's digest from the next run, once", async () => {
    const early = await join(5);
    await run();
    const late = await join(2, { prefix: 'late' });
    const next = await run({ now: new Date(NOW.getTime() + 60 * 60 * 1000) });
    assert.equal(next.enqueued, 2);
    await run({ now: new Date(NOW.getTime() + 2 * 60 * 60 * 1000) });
    const counts = await digestsPerParticipant(db, '2026-12-03');
    assert.deepEqual(exactlyOneEach(counts, [...early, ...late]), []);
  });

  test('a participant with a photo is told it is in; one without is asked for one', async () => {
    const [withPhoto, without] = await join(2);
    await db('photo_uploads').insert({
      id: randomUUID(),
      user_id: withPhoto,
      pending_key: `pending/${randomUUID()}`,
      status: 'attached',
      expires_at: NOW,
      photo_key: `photos/${withPhoto}/a.jpg`,
      confirmed_at: NOW,
    });
    await run();
    const bodyOf = async (id: string) =>
      (await db('email_outbox').where({ user_id: id }).first<{ text_body: string }>('text_body'))
        .text_body;
    assert.match(await bodyOf(withPhoto!), /Your photo is in\. Change it any time/);
    assert.match(await bodyOf(without!), /You have not added your photo yet/);
  });

  test('a participant who opted out, or never opted in, gets nothing', async () => {
    const ids = await join(120, { subscribed: (i) => i % 3 !== 0 });
    const leaving = ids[7]!;
    await db('digest_subscriptions').where({ user_id: leaving }).delete();
    const { enqueued } = await run();
    assert.equal(enqueued, ids.length - 1);
    const counts = await digestsPerParticipant(db, '2026-12-03');
    assert.deepEqual(
      exactlyOneEach(
        counts,
        ids.filter((id) => id !== leaving),
      ),
      [],
    );
  });

  test('a run after a run that stopped halfway carries on, and nobody gets two', async () => {
    const ids = await join(300);
    const stop = new AbortController();
    let batches = 0;
    const halfway = await run({
      progress: {
        setTotal: () => undefined,
        advance: () => {
          if (++batches === 2) stop.abort();
        },
      },
      signal: stop.signal,
    });
    assert.equal(halfway.enqueued, 100, 'two batches of 50 before the stop');
    assert.equal((await db('digest_editions').first())?.finished_at, null);
    const rest = await run();
    assert.equal(rest.enqueued, 200);
    assert.deepEqual(exactlyOneEach(await digestsPerParticipant(db, '2026-12-03'), ids), []);
  });

  test('two runs at the same time, each on its own connections, write each digest once', async () => {
    const ids = await join(400);
    const other = knex({ client: 'pg', connection: url, pool: { min: 0, max: 2 } });
    try {
      const [a, b] = await Promise.all([run(), run({ db: other })]);
      assert.equal(a.enqueued + b.enqueued, 400);
    } finally {
      await other.destroy();
    }
    assert.deepEqual(exactlyOneEach(await digestsPerParticipant(db, '2026-12-03'), ids), []);
  });

  test('a batch read before another run wrote it adds nothing: the unique key decides', async () => {
    const ids = await join(10);
    const repo = createDigestRepo(db);
    const stale = await repo.dueAfter('2026-12-03', '0', 10);
    await run();
    const messages = stale.map((recipient) => ({
      kind: 'digest',
      to: { address: recipient.email, name: recipient.displayName },
      subject: 'again',
      text: 'again',
      html: '<p>again</p>',
      userId: recipient.id,
    }));
    assert.equal(await repo.enqueue('2026-12-03', messages), 0);
    assert.deepEqual(exactlyOneEach(await digestsPerParticipant(db, '2026-12-03'), ids), []);
  });

  test("the campaign day and the hour are the campaign zone's, not UTC's", async () => {
    await join(3);
    // 23:30 UTC on 3 December is 00:30 on the 4th in Berlin: before 08:00 there, so nothing yet.
    const late = new Date('2026-12-03T23:30:00Z');
    const berlin = await run({ now: late, timeZone: 'Europe/Berlin' });
    assert.equal(berlin.enqueued, 0);
    assert.equal(berlin.day, '2026-12-04');
    assert.match(berlin.message, /from 08:00 Europe\/Berlin, and it is 00:00 there/);
    // The same moment is 18:30 on the 3rd in New York: that day's digest goes out.
    const newYork = await run({ now: late, timeZone: 'America/New_York' });
    assert.equal(newYork.enqueued, 3);
    assert.equal(newYork.day, '2026-12-03');
  });

  test('outside the campaign nothing is sent', async () => {
    await join(3);
    const result = await run({ now: new Date('2027-02-02T09:00:00Z') });
    assert.equal(result.enqueued, 0);
    assert.match(result.message, /the campaign is ended/);
    assert.equal(
      await db('email_outbox')
        .count({ n: '*' })
        .first()
        .then((r) => Number(r?.n)),
      0,
    );
  });

  test("each day's digest counts what is new since the previous one", async () => {
    await join(2);
    await run();
    // Joined on the 3rd after the first digest: new in the 4th's, not again in the 5th's.
    await join(3, {
      prefix: 'late',
      subscribed: () => false,
      joinedAt: new Date(NOW.getTime() + 60 * 60 * 1000),
    });
    const nextDay = new Date(NOW.getTime() + DAY_MS);
    await run({ now: nextDay });
    await join(1, {
      prefix: 'later',
      subscribed: () => false,
      joinedAt: new Date(nextDay.getTime() + 60 * 60 * 1000),
    });
    await run({ now: new Date(nextDay.getTime() + DAY_MS) });
    const texts = await db('email_outbox')
      .where({ kind: 'digest' })
      .orderBy('campaign_day')
      .select('campaign_day', 'subject', 'text_body');
    const bodies = texts.map((row: { text_body: string }) => row.text_body);
    assert.match(bodies[0]!, /Since the campaign opened: 0 new photos and 2 new participants/);
    assert.match(bodies[2]!, /Since yesterday: 0 new photos and 3 new participants\./);
    assert.match(bodies[2]!, /In all, 0 photos from 5 participants\./);
    assert.match(bodies[4]!, /Since yesterday: 0 new photos and 1 new participant\./);
    assert.match(bodies[4]!, /In all, 0 photos from 6 participants\./);
    assert.match(texts[2]!.subject, /^Winter Photo Contest: 3 new participants, 58 days left$/);
  });
});

describe('the digest job as a process', () => {
  test('killed with SIGKILL halfway, then run again: no duplicates, and nobody skipped', async () => {
    // A database of its own: the kill leaves a connection behind that the other tests need not wait for.
    const database = await createTestDatabase();
    const own = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 2 } });
    try {
      const ids = await addParticipants(own, 6000);
      const env = {
        ...JOB_ENV,
        NODE_ENV: 'test',
        DATABASE_URL: database.url,
        DIGEST_BATCH_SIZE: '20',
      };
      const job = start(['src/job.ts', 'digest'], env);
      // The first batches are in: kill it without warning.
      await withTimeout(
        (async () => {
          for (;;) {
            const n = Number((await own('email_outbox').count({ n: '*' }).first())?.n ?? 0);
            if (n >= 200) return;
            if (job.process.exitCode !== null)
              throw new Error(`the job ended first:\n${job.output()}`);
            await new Promise((r) => setTimeout(r, 5));
          }
        })(),
        60_000,
        'the first batches of the job',
      );
      job.process.kill('SIGKILL');
      assert.equal((await job.exited).signal, 'SIGKILL');
      // A statement already sent still commits on the server after the kill: wait until none does.
      let written = -1;
      for (let before = -2; written !== before;) {
        before = written;
        await new Promise((r) => setTimeout(r, 250));
        written = Number((await own('email_outbox').count({ n: '*' }).first())?.n);
      }
      assert.ok(
        written > 0 && written < ids.length,
        `halfway: ${written} of ${ids.length} written`,
      );

      const rerun = await runJobProcess(['digest'], env);
      assert.equal(rerun.code, 0, rerun.output);
      const summary = summaryOf(rerun.child);
      assert.equal(summary.outcome, 'done');
      assert.equal(summary.enqueued, ids.length - written, 'the rerun wrote exactly what was left');
      const day = String(summary.day);
      assert.deepEqual(exactlyOneEach(await digestsPerParticipant(own, day), ids), []);
    } finally {
      await own.destroy();
      await database.drop();
    }
  });

  // PGlite's socket server serves every connection on one backend, and two clients' large messages
  // (a batch is hundreds of kilobytes) can interleave there: a real Postgres is needed to run this.
  const pglite =
    !process.env.TEST_DATABASE_URL && "PGlite interleaves two processes' large batches";
  test('two processes at the same time: no duplicates', { skip: pglite }, async () => {
    // The processes read the real clock: participants who joined an hour ago are news on any day.
    const ids = await addParticipants(db, 2000);
    const env = { ...JOB_ENV, NODE_ENV: 'test', DATABASE_URL: url, DIGEST_BATCH_SIZE: '100' };
    const jobs = [start(['src/job.ts', 'digest'], env), start(['src/job.ts', 'digest'], env)];
    const exits = await withTimeout(
      Promise.all(jobs.map((job) => job.exited)),
      90_000,
      'both jobs',
    );
    exits.forEach(({ code }, i) => assert.equal(code, 0, jobs[i]!.output()));
    const [a, b] = jobs.map(summaryOf);
    assert.equal(Number(a!.enqueued) + Number(b!.enqueued), ids.length);
    assert.deepEqual(exactlyOneEach(await digestsPerParticipant(db, String(a!.day)), ids), []);
  });
});
