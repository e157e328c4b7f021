// A job's run id: every line of one run carries the same one, and each run has its own, so that a
// search for one finds one run whole, progress and summary alike.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jobDatabase, logLines, runJobProcess } from '../jobs/support.ts';

test('every line of a job run carries its run id, and the next run has another', async () => {
  const { url } = await jobDatabase();
  const ids: string[] = [];
  for (let run = 0; run < 2; run++) {
    const job = await runJobProcess(['prune-outbox'], { NODE_ENV: 'test', DATABASE_URL: url });
    assert.equal(job.code, 0, job.output);
    const lines = logLines(job.child);
    assert.ok(
      lines.some((line) => 'outcome' in line),
      'the summary line is among them',
    );
    const runIds = new Set(lines.map((line) => line.runId));
    assert.equal(runIds.size, 1, job.output);
    const [id] = runIds;
    assert.match(
      String(id),
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    ids.push(String(id));
  }
  assert.notEqual(ids[0], ids[1]);
});
