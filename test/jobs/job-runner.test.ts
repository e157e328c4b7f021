// `node src/job.ts <name>` as Scheduler runs it: an unknown name lists the jobs, each job checks only
// the config it uses, a failure exits non-zero, SIGTERM stops after the batch in hand, and every run
// that starts leaves one summary line.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Knex } from 'knex';
import { freePort, start, withTimeout } from '../support/process.ts';
import { addParticipants, JOB_ENV, jobDatabase, runJobProcess, summaryOf } from './support.ts';

let db: Knex;
let url: string;

before(async () => {
  ({ db, url } = await jobDatabase());
});

const job = runJobProcess;

describe('the job command', () => {
  test('no name, or an unknown one, exits 1 listing the jobs', async () => {
    for (const args of [[], ['digets']]) {
      const { code, output } = await job(args, { NODE_ENV: 'test' });
      assert.equal(code, 1);
      for (const name of ['digest', 'sweep-uploads', 'prune-outbox']) {
        assert.match(output, new RegExp(`^  ${name} +\\w`, 'm'), output);
      }
    }
    const { code, output } = await job(['digest', '--now'], { NODE_ENV: 'test' });
    assert.equal(code, 1);
    assert.match(output, /digest takes no arguments \(got --now\)/);
  });

  test('a job checks only the config it uses', async () => {
    const production = {
      NODE_ENV: 'production',
      DATABASE_URL: `${url}${url.includes('?') ? '&' : '?'}sslmode=disable`,
    };
    // Without SESSION_SECRET, SMTP, S3 or Redis, which it does not use, prune-outbox runs.
    const prune = await job(['prune-outbox'], production);
    assert.equal(prune.code, 0, prune.output);
    assert.equal(summaryOf(prune.child).outcome, 'done');
    // The digest needs its secret and the campaign's dates in production, and says so, all at once.
    const digest = await job(['digest'], production);
    assert.equal(digest.code, 1);
    assert.match(digest.output, /UNSUBSCRIBE_SECRET: required in production/);
    assert.match(digest.output, /CAMPAIGN_STARTS_AT: required in production/);
    assert.doesNotMatch(digest.output, /SESSION_SECRET|SMTP_URL|S3_BUCKET|REDIS_URL/);
    const summary = summaryOf(digest.child);
    assert.equal(summary.outcome, 'failed');
    assert.equal(summary.job, 'digest');
  });

  test('a database that does not answer: exit 1, a summary line, and what to check', async () => {
    const closed = `postgres://postgres@127.0.0.1:${await freePort()}/postgres`;
    const { code, output, child } = await job(['prune-outbox'], {
      NODE_ENV: 'test',
      DATABASE_URL: closed,
    });
    assert.equal(code, 1);
    assert.equal(summaryOf(child).outcome, 'failed');
    assert.match(output, /127\.0\.0\.1/);
  });

  test('SIGTERM stops the digest after the batch in hand; the exit code says so', async () => {
    const ids = await addParticipants(db, 20_000, { prefix: 'term' });
    const child = start(['src/job.ts', 'digest'], {
      ...JOB_ENV,
      NODE_ENV: 'test',
      DATABASE_URL: url,
      DIGEST_BATCH_SIZE: '10',
    });
    await withTimeout(
      (async () => {
        while (Number((await db('email_outbox').count({ n: '*' }).first())?.n ?? 0) < 50) {
          if (child.process.exitCode !== null) throw new Error(child.output());
          await new Promise((r) => setTimeout(r, 5));
        }
      })(),
      60_000,
      'the first batches',
    );
    child.process.kill('SIGTERM');
    const { code } = await withTimeout(child.exited, 30_000, 'the job to stop');
    assert.equal(code, 143, child.output());
    const summary = summaryOf(child);
    assert.equal(summary.outcome, 'stopped');
    const written = Number((await db('email_outbox').count({ n: '*' }).first())?.n);
    assert.equal(summary.enqueued, written, 'everything it wrote was committed, nothing half');
    assert.ok(written < ids.length, `stopped before the end: ${written} of ${ids.length}`);
    assert.match(String(summary.msg), /the next run carries on/);
  });
});
