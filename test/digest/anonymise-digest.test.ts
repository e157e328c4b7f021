// A copy of production anonymised for staging keeps no digest subscription: its addresses are made up,
// and a digest to them would bounce off the provider and hurt the sending domain.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { anonymise } from '../../src/anonymise.ts';
import { addParticipants, jobDatabase } from '../jobs/support.ts';

test('anonymising ends every digest subscription, and says how many', async () => {
  const { db } = await jobDatabase();
  await addParticipants(db, 4, { subscribed: (i) => i !== 2 });
  const counts = await anonymise(db);
  assert.equal(counts.subscriptions, 3);
  assert.equal(counts.users, 4);
  const left = await db('digest_subscriptions').count({ n: '*' }).first();
  assert.equal(Number(left?.n), 0);
});
