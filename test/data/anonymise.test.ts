// A copy of production, made as heroku pg:copy makes it, keeps no participant's email, name, password
// hash, mail or photo once anonymised; production itself is left as it was.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import type { Knex } from 'knex';
import { up as createUsers } from '../../migrations/20261123090000_create_users.ts';
import { hashPassword, verifyPassword } from '../../src/accounts/passwords.ts';
import { anonymise } from '../../src/anonymise.ts';
import { queueWelcomeEmail } from '../../src/email/welcome.ts';
import { createPhotosRepo } from '../../src/uploads/photos.repo.ts';
import { onCleanup } from '../support/cleanup.ts';
import { createTestDatabase } from '../support/db.ts';
import { start, withTimeout } from '../support/process.ts';
import { copyDatabase, NEEDS_POSTGRES, open, run, WELCOME } from './databases.ts';

const PARTICIPANTS = [
  {
    email: 'amara.okafor@gmail.example',
    displayName: 'Amara Okafor',
    password: 'sunflower field 7',
  },
  {
    email: 'jonas.lindqvist@work.example',
    displayName: 'Jonas Lindqvist',
    password: 'harbour lights',
  },
  { email: 'Mei.Tanaka@Mail.Example', displayName: 'Mei Tanaka', password: 'paper cranes 42' },
  // A prankster who took the name anonymised rows get: renaming must not collide with them.
  {
    email: 'participant-1@example.invalid',
    displayName: 'Not Participant One',
    password: 'sly one',
  },
];

const everything = (db: Knex) =>
  Promise.all(
    ['users', 'email_outbox', 'photo_uploads'].map((table) => db(table).select().orderBy('id')),
  );

describe('anonymising a copy of production', { skip: NEEDS_POSTGRES }, () => {
  let production: Knex;
  let staging: Knex;
  let stagingUrl: string;
  let hashes: string[];
  let productionBefore: unknown;
  let counts: Awaited<ReturnType<typeof anonymise>>;

  before(async () => {
    const prod = await createTestDatabase();
    onCleanup(() => prod.drop());
    const copy = await createTestDatabase({ migrate: false });
    onCleanup(() => copy.drop());
    stagingUrl = copy.url;
    production = open(prod);
    staging = open(copy);

    hashes = await Promise.all(PARTICIPANTS.map((p) => hashPassword(p.password)));
    const ids: string[] = [];
    for (const [i, p] of PARTICIPANTS.entries()) {
      await production.transaction(async (trx) => {
        const [row] = await trx('users')
          .insert({ email: p.email, display_name: p.displayName, password_hash: hashes[i] })
          .returning('id');
        ids.push(String(row.id));
        await queueWelcomeEmail(trx, WELCOME, p);
      });
    }
    // Amara has a photo she replaced once, and an upload she never confirmed.
    const photos = createPhotosRepo(production);
    const amara = ids[0]!;
    const expiresAt = new Date(Date.now() + 60_000);
    for (const n of [1, 2, 3]) {
      const id = randomUUID();
      await photos.insert({
        id,
        userId: amara,
        pendingKey: `pending/${amara}/${id}`,
        declaredType: 'image/jpeg',
        expiresAt,
      });
      if (n < 3) {
        const upload = (await photos.findForUser(amara, id))!;
        await photos.attach(
          upload,
          { key: `photos/${amara}/${id}.jpg`, type: 'image/jpeg', size: 1234 },
          new Date(),
        );
      }
    }
    assert.ok(await photos.photoOf(amara), 'production has a confirmed photo to detach');
    productionBefore = await everything(production);

    await copyDatabase(prod.url, copy.url);
    assert.equal(
      (await staging('users').where({ email: PARTICIPANTS[0]!.email }).first())?.display_name,
      'Amara Okafor',
      'the copy holds production data before it is anonymised',
    );
    counts = await anonymise(staging);
  });

  test('reports what it changed: every participant, every outbox email, every photo upload', () => {
    assert.deepEqual(counts, {
      users: PARTICIPANTS.length,
      emails: PARTICIPANTS.length,
      photos: 3,
      subscriptions: 0, // @step 7+
    });
  });

  test('keeps one row per participant, each with a made-up email and name from its id', async () => {
    const [{ count }] = (await production('users').count({ count: '*' })) as [{ count: string }];
    const rows = await staging('users').select().orderBy('id');
    assert.equal(rows.length, Number(count));
    for (const row of rows) {
      assert.equal(row.email, `participant-${row.id}@example.invalid`);
      assert.equal(row.display_name, `Participant ${row.id}`);
    }
  });

  test('no source email, name or password hash is left anywhere in the copy', async () => {
    const dump = await run('pg_dump', ['--data-only', stagingUrl]);
    assert.match(dump, /participant-\d+@example\.invalid/, 'the dump holds the users table');
    for (const [i, p] of PARTICIPANTS.entries()) {
      // The prankster's email is now, rightly, another row's made-up one.
      const emails = p.email.startsWith('participant-') ? [] : [p.email, p.email.toLowerCase()];
      for (const secret of [...emails, p.displayName, hashes[i]!]) {
        assert.ok(!dump.includes(secret), `the copy still holds ${secret}`);
      }
    }
    // Not even by another spelling: the one hash left is a real scrypt hash of none of their passwords.
    const left = await staging('users').distinct('password_hash');
    assert.equal(left.length, 1);
    const [{ password_hash: hash }] = left as [{ password_hash: string }];
    assert.match(hash, /^scrypt\$/);
    for (const p of PARTICIPANTS) assert.equal(await verifyPassword(p.password, hash), false);
  });

  test('the outbox is empty, so the staging worker mails nobody', async () => {
    assert.deepEqual(await staging('email_outbox').select(), []);
  });

  test('no photo key remains and nobody has a photo to show', async () => {
    const uploads = await staging('photo_uploads').select();
    assert.equal(uploads.length, 3);
    for (const upload of uploads) {
      assert.equal(upload.photo_key, null);
      assert.equal(upload.pending_key, `detached-${upload.id}`);
      assert.notEqual(upload.status, 'attached');
      assert.notEqual(upload.status, 'pending');
    }
    const amara = await staging('users').orderBy('id').first();
    assert.equal(await createPhotosRepo(staging).photoOf(String(amara.id)), undefined);
  });

  test('production is untouched', async () => {
    assert.deepEqual(await everything(production), productionBefore);
  });

  test('anonymising the copy again changes nothing but the unknowable hash', async () => {
    const [users] = await everything(staging);
    await anonymise(staging);
    const [again] = await everything(staging);
    const withoutHash = (rows: Array<Record<string, unknown>>) =>
      rows.map(({ password_hash: _, ...rest }) => rest);
    assert.deepEqual(withoutHash(again!), withoutHash(users!));
  });

  describe('the job entry point', () => {
    test('refuses a database that says it is production, and changes nothing', async () => {
      const before = await everything(staging);
      const job = start(['src/anonymise.ts'], {
        NODE_ENV: 'production',
        APP_ENV: 'production',
        DATABASE_URL: `${stagingUrl}?sslmode=disable`,
      });
      const { code } = await withTimeout(job.exited, 20_000, 'anonymise');
      assert.equal(code, 1, job.output());
      assert.match(job.output(), /refusing to anonymise .*production/);
      assert.match(job.output(), /APP_ENV=staging/);
      assert.deepEqual(await everything(staging), before);
    });

    test('on staging it anonymises and says so in one summary line', async () => {
      await staging('users').insert({
        email: 'late.signup@mail.example',
        display_name: 'Late Signup',
        password_hash: hashes[0],
      });
      const job = start(['src/anonymise.ts'], {
        NODE_ENV: 'production',
        APP_ENV: 'staging',
        DATABASE_URL: `${stagingUrl}?sslmode=disable`,
      });
      const { code } = await withTimeout(job.exited, 20_000, 'anonymise');
      assert.equal(code, 0, job.output());
      const summary = job
        .output()
        .split('\n')
        .filter((line) => line.includes('"anonymised '));
      assert.equal(summary.length, 1, job.output());
      assert.match(
        summary[0]!,
        /5 participant\(s\) renamed, 0 outbox email\(s\) deleted, 3 photo upload/,
      );
      assert.equal(
        await staging('users').where({ email: 'late.signup@mail.example' }).first(),
        undefined,
      );
    });
  });
});

test('a database from before the outbox and photos: only users is anonymised, nothing fails', async () => {
  const older = await createTestDatabase({ migrate: false });
  onCleanup(() => older.drop());
  const db = open(older);
  await createUsers(db);
  await db('users').insert({
    email: 'early.bird@mail.example',
    display_name: 'Early Bird',
    password_hash: await hashPassword('first one here'),
  });
  const steps: string[] = [];
  const counts = await anonymise(db, { progress: (step) => steps.push(step) });
  assert.deepEqual(counts, {
    users: 1,
    emails: 0,
    photos: 0,
    subscriptions: 0, // @step 7+
  });
  assert.equal(steps.length, 1, steps.join('; '));
  const [row] = await db('users').select();
  assert.equal(row.email, `participant-${row.id}@example.invalid`);
  assert.equal(row.display_name, `Participant ${row.id}`);
});
