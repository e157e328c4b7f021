// The scheduled clean-ups as Scheduler runs them: prune-outbox deletes sent email past the retention
// age and nothing else, in bounded batches; sweep-uploads closes uploads never confirmed once they have
// expired, and leaves the rest.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, beforeEach, describe, test } from 'node:test';
import type { Knex } from 'knex';
import { DAY_MS } from '../../src/campaign/campaign.ts';
import { pruneSentEmail } from '../../src/email/outbox.prune.ts';
import { testBucket } from '../support/bucket.ts';
import { jobDatabase, runJobProcess, summaryOf } from './support.ts';

let db: Knex;
let url: string;

before(async () => {
  ({ db, url } = await jobDatabase());
});

beforeEach(async () => {
  await db('email_outbox').delete();
  await db('users').delete();
});

/** Runs the job to a good end; resolves to its summary line. */
async function job(name: string, env: Record<string, string>) {
  const run = await runJobProcess([name], { NODE_ENV: 'test', DATABASE_URL: url, ...env });
  assert.equal(run.code, 0, run.output);
  return summaryOf(run.child);
}

const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS);

async function message(status: string, sentDaysAgo: number | null, createdDaysAgo = 40) {
  const [row] = await db('email_outbox')
    .insert({
      kind: 'test',
      to_address: 'someone@example.com',
      to_name: 'Someone',
      subject: status,
      text_body: 'text',
      html_body: '<p>html</p>',
      status,
      created_at: daysAgo(createdDaysAgo),
      sent_at: sentDaysAgo === null ? null : daysAgo(sentDaysAgo),
    })
    .returning('id');
  return String((row as { id: string }).id);
}

const remaining = async () =>
  (await db('email_outbox').orderBy('id').select('id')).map((row: { id: string }) =>
    String(row.id),
  );

describe('prune-outbox', () => {
  test('deletes sent email older than the retention age, and nothing else', async () => {
    const old = [await message('sent', 31), await message('sent', 45)];
    const kept = [
      await message('sent', 29),
      await message('pending', null),
      await message('failed', null),
    ];
    const summary = await job('prune-outbox', { OUTBOX_RETENTION_DAYS: '30' });
    assert.equal(summary.deleted, old.length);
    assert.deepEqual(await remaining(), kept);
  });

  test('deletes in batches of a bounded size until none is left', async () => {
    for (let i = 0; i < 7; i++) await message('sent', 10);
    const batches: number[] = [];
    const deleted = await pruneSentEmail(db, {
      before: daysAgo(5),
      batch: 3,
      onBatch: (count) => batches.push(count),
    });
    assert.equal(deleted, 7);
    assert.deepEqual(batches, [3, 3, 1]);
  });

  test('a retention under two days is refused: a sent digest keeps its day from being sent twice', async () => {
    const run = await runJobProcess(['prune-outbox'], {
      NODE_ENV: 'test',
      DATABASE_URL: url,
      OUTBOX_RETENTION_DAYS: '1',
    });
    assert.equal(run.code, 1);
    assert.match(run.output, /OUTBOX_RETENTION_DAYS: .*2/);
    assert.equal(summaryOf(run.child).outcome, 'failed');
  });
});

describe('sweep-uploads', () => {
  test('closes expired uploads never confirmed, and leaves the fresh ones open', async () => {
    const [user] = await db('users')
      .insert({ email: 'sweep@example.com', display_name: 'Sweep', password_hash: 'x' })
      .returning('id');
    const upload = (expiresAt: Date) => ({
      id: randomUUID(),
      user_id: (user as { id: string }).id,
      pending_key: `pending/${randomUUID()}`,
      status: 'pending',
      expires_at: expiresAt,
    });
    const expired = upload(daysAgo(1));
    const fresh = upload(new Date(Date.now() + 60 * 60 * 1000));
    await db('photo_uploads').insert([expired, fresh]);
    const summary = await job('sweep-uploads', (await testBucket()).env);
    assert.equal(summary.closed, 1);
    const rows: Array<{ id: string; status: string }> = await db('photo_uploads').select(
      'id',
      'status',
    );
    const statusOf = (id: string) => rows.find((row) => row.id === id)?.status;
    assert.equal(statusOf(expired.id), 'rejected');
    assert.equal(statusOf(fresh.id), 'pending');
  });
});
