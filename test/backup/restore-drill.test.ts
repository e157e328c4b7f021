// The restore drill: every table of the app filled, backed up and restored with the real commands, then
// compared row for row. BACKUP_DRILL_USERS sets its size (1000 participants by default).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import knex, { type Knex } from 'knex';
import { formatBytes, formatElapsed } from '../../scripts/backup/status.ts';
import { onCleanup } from '../support/cleanup.ts';
import { createTestDatabase } from '../support/db.ts';
import { fingerprint, NEEDS_POSTGRES, npmRun, tablesOf } from './support.ts';

const USERS = Number(process.env.BACKUP_DRILL_USERS || 1000);

/** Participants with welcome and digest emails, photos in each state, subscriptions and digest editions. */
async function seed(db: Knex, users: number): Promise<void> {
  await db.raw(
    `insert into users (email, display_name, password_hash, created_at)
     select 'participant' || i || '@drill.example', 'Participant ' || i, 'scrypt$' || md5(i::text),
            timestamptz '2026-11-20 09:00Z' + i * interval '1 second'
     from generate_series(1, ?) i`,
    [users],
  );
  await db.raw(
    `insert into email_outbox (kind, to_address, to_name, subject, text_body, html_body, status, attempts,
                               last_error, sent_at, user_id, campaign_day, headers)
     select 'welcome', email, display_name, 'Welcome, ' || display_name, 'Hello ' || display_name,
            '<p>Hello ' || display_name || '</p>',
            (array['pending', 'sent', 'failed'])[1 + id % 3], id % 5,
            case when id % 3 = 2 then 'connection refused' end,
            case when id % 3 = 1 then timestamptz '2026-11-21 10:00Z' end, id, null, null
     from users
     union all
     select 'digest', email, display_name, 'Today''s entries', 'text', '<p>html</p>', 'pending', 0, null,
            null, id, date '2026-12-01', jsonb_build_object('List-Unsubscribe', '<https://contest.example/u/' || id || '>')
     from users where id % 2 = 0`,
  );
  await db.raw(
    `insert into photo_uploads (id, user_id, pending_key, declared_type, status, expires_at, photo_key,
                                photo_type, size, rejected_because, confirmed_at)
     select gen_random_uuid(), id, 'pending/' || id || '/photo', 'image/jpeg',
            (array['pending', 'attached', 'rejected'])[1 + id % 3], timestamptz '2026-11-22 00:00Z',
            case when id % 3 = 1 then 'photos/' || id || '.jpg' end,
            case when id % 3 = 1 then 'image/jpeg' end, case when id % 3 = 1 then 1000 + id end,
            case when id % 3 = 2 then 'not an image' end,
            case when id % 3 = 1 then timestamptz '2026-11-21 12:00Z' end
     from users where id % 4 <> 0`,
  );
  await db.raw(`insert into digest_subscriptions (user_id) select id from users where id % 2 = 0`);
  await db.raw(
    `insert into digest_editions (campaign_day, cutoff, figures, finished_at, enqueued)
     select date '2026-11-20' + i, timestamptz '2026-11-20 08:00Z' + i * interval '1 day',
            jsonb_build_object('entries', i * 7, 'participants', i * 3), timestamptz '2026-11-20 08:05Z', i
     from generate_series(0, 13) i`,
  );
}

describe('the restore drill', { skip: NEEDS_POSTGRES }, () => {
  test('npm run db:backup then db:restore into a dropped and recreated database gives back every table row for row', async (t) => {
    const admin = process.env.TEST_DATABASE_URL ?? '';
    const database = await createTestDatabase();
    onCleanup(() => database.drop());
    const name = new URL(database.url).pathname.slice(1);
    const dir = mkdtempSync(path.join(tmpdir(), 'campaign-kit-drill-'));
    onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'drill.dump');

    const db = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 1 } });
    await seed(db, USERS);
    const before = await fingerprint(db);
    await db.destroy();
    const empty = Object.entries(before).filter(([, f]) => f.rows === 0);
    assert.deepEqual(
      empty.map(([table]) => table),
      [],
      'every table must have rows for the drill to prove anything: add the new table to seed()',
    );
    const rows = Object.values(before).reduce((sum, f) => sum + f.rows, 0);

    const backedUp = await npmRun('db:backup', ['--out', file], { DATABASE_URL: database.url });
    assert.equal(backedUp.code, 0, backedUp.stderr);
    const tables = Object.keys(before).length;
    assert.match(backedUp.stdout, new RegExp(`wrote .*drill\\.dump \\(.+, ${tables} tables\\)`));

    // The disaster: the database is gone, and an empty one of the same name is all there is.
    const server = knex({ client: 'pg', connection: admin, pool: { min: 0, max: 1 } });
    await server.raw('drop database ?? with (force)', [name]);
    await server.raw('create database ??', [name]);
    await server.destroy();

    const restored = await npmRun('db:restore', [file], { DATABASE_URL: database.url });
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(
      restored.stdout,
      new RegExp(`restored .*drill\\.dump into .*\\(${tables} tables\\)`),
    );

    const after = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 1 } });
    onCleanup(() => after.destroy());
    assert.deepEqual(await tablesOf(after), Object.keys(before));
    assert.deepEqual(await fingerprint(after), before);
    // The sequences came back too: the next participant gets a new id, not one that is taken.
    const [next] = await after('users')
      .insert({ email: 'after@drill.example', display_name: 'After', password_hash: 'x' })
      .returning('id');
    assert.equal(Number(next?.id), USERS + 1);

    t.diagnostic(
      `drill: ${rows} rows in ${tables} tables (${USERS} participants), file ${formatBytes(statSync(file).size)}: ` +
        `npm run db:backup ${formatElapsed(backedUp.ms)}, npm run db:restore ${formatElapsed(restored.ms)}`,
    );
  });
});
