// npm run data:copy -- production staging, against two real Postgres databases and a real Redis: the
// fake heroku CLI copies with pg_dump | psql as pg:copy would, and records every command in order.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import type { Knex } from 'knex';
import { createClient } from 'redis';
import { main } from '../../scripts/data-copy.ts';
import type { Environments } from '../../scripts/ops/heroku-cli.ts';
import { hashPassword } from '../../src/accounts/passwords.ts';
import { queueWelcomeEmail } from '../../src/email/welcome.ts';
import { createPhotosRepo } from '../../src/uploads/photos.repo.ts';
import { appOf, fakeHeroku, type FakeApp } from '../ops/fake-heroku.ts';
import { onCleanup } from '../support/cleanup.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { NO_REDIS, requireRedis, type TestRedis } from '../support/redis.ts';
import { copyDatabase, NEEDS_POSTGRES, open, run, WELCOME } from './databases.ts';

const environments: Environments = {
  staging: { app: 'ck-staging' },
  production: { app: 'ck-production', promoteFrom: 'staging' },
};

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
];

const counts = async (db: Knex) => {
  const result: Record<string, number> = {};
  for (const table of ['users', 'email_outbox', 'photo_uploads']) {
    const [row] = await db(table).count<Array<{ n: string }>>({ n: '*' });
    result[table] = Number(row?.n);
  }
  return result;
};

/** A production database with participants, their pending welcome emails, and photos. */
async function seedProduction(db: Knex): Promise<string[]> {
  const hashes: string[] = [];
  for (const p of PARTICIPANTS) {
    const hash = await hashPassword(p.password);
    hashes.push(hash);
    await db.transaction(async (trx) => {
      await trx('users').insert({
        email: p.email,
        display_name: p.displayName,
        password_hash: hash,
      });
      await queueWelcomeEmail(trx, WELCOME, p);
    });
  }
  const photos = createPhotosRepo(db);
  const users = await db('users').orderBy('id').pluck('id');
  for (const [n, user] of users.slice(0, 2).entries()) {
    const userId = String(user);
    const id = randomUUID();
    const pendingKey = `pending/${userId}/${id}`;
    await photos.insert({
      id,
      userId,
      pendingKey,
      declaredType: 'image/jpeg',
      expiresAt: new Date(Date.now() + 60_000),
    });
    if (n === 0) {
      const upload = await photos.findForUser(userId, id);
      assert.ok(upload);
      await photos.attach(
        upload,
        { key: `photos/${userId}/${id}.jpg`, type: 'image/jpeg', size: 999 },
        new Date(),
      );
    }
  }
  return hashes;
}

interface Staged {
  heroku: ReturnType<typeof fakeHeroku>;
  staging: FakeApp;
  stagingDb: Knex;
  stagingUrl: string;
  lines: string[];
  errors: string[];
  code: number;
}

const recorder = () => {
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    lines,
    errors,
    out: { log: (l: string) => lines.push(l), error: (l: string) => errors.push(l) },
  };
};

describe('npm run data:copy -- production staging', { skip: NEEDS_POSTGRES }, () => {
  let production: TestDatabase;
  let productionDb: Knex;
  let hashes: string[];
  let redis: TestRedis | undefined;
  let sessions: ReturnType<typeof createClient>;
  let productionBefore: Record<string, number>;

  /** A fresh staging database and app, and data:copy run into it; `broken` makes the anonymiser fail. */
  async function copyInto({ broken = false } = {}): Promise<Staged> {
    const target = await createTestDatabase();
    onCleanup(() => target.drop());
    const stagingDb = open(target);
    await stagingDb('users').insert({
      email: 'tester@staging.example',
      display_name: 'Staging Tester',
      password_hash: hashes[0],
    });
    const prefix = `${redis?.prefix ?? 'data-copy:'}staging:`;
    const staging: FakeApp = {
      workers: 2,
      config: {
        APP_ENV: 'staging',
        DATABASE_URL: `${target.url}?sslmode=disable`,
        REDIS_URL: redis?.url ?? '',
        REDIS_KEY_PREFIX: prefix,
      },
    };
    const heroku = fakeHeroku(
      {
        'ck-staging': staging,
        'ck-production': {
          workers: 1,
          config: { APP_ENV: 'production', DATABASE_URL: production.url },
        },
      },
      {
        'pg:copy': async (args) => {
          assert.equal(staging.maintenance, true, 'maintenance is on before the copy');
          assert.equal(staging.workers, 0, 'the worker is stopped before the copy');
          assert.equal(args[1], 'ck-production::DATABASE_URL');
          assert.equal(appOf(args), 'ck-staging');
          // As the real CLI checks it: the target's attachment name, DATABASE_URL less its _URL.
          const confirm = args[args.indexOf('--confirm') + 1];
          if (confirm !== 'DATABASE') {
            throw new Error(`Confirmation ${confirm} did not match DATABASE. Aborted.`);
          }
          await copyDatabase(production.url, target.url, { replace: true });
          if (broken) {
            // A failure inside anonymise's transaction, after it has started changing rows.
            await stagingDb.raw(`
              create function refuse() returns trigger language plpgsql as
                $$ begin raise exception 'disk full (a test)'; end $$;
              create trigger refuse before update on email_outbox for each statement execute function refuse();
              create trigger refuse_delete before delete on email_outbox for each statement execute function refuse();`);
          }
        },
      },
    );
    await sessions.set(`${prefix}sess:abc`, JSON.stringify({ userId: '1' }));
    await sessions.set(`${prefix}sess:def`, JSON.stringify({ userId: '2' }));
    await sessions.set(`${prefix}sess:ghi`, JSON.stringify({ userId: '3' }));
    await sessions.set(`${prefix}rl:login:1.2.3.4`, '3');
    const { lines, errors, out } = recorder();
    const code = await main(['production', 'staging'], { heroku, environments, out });
    return { heroku, staging, stagingDb, stagingUrl: target.url, lines, errors, code };
  }

  before(async () => {
    redis = await requireRedis();
    if (!redis) throw new Error(NO_REDIS);
    sessions = createClient({ url: redis.url });
    await sessions.connect();
    onCleanup(() => sessions.close());
    production = await createTestDatabase();
    onCleanup(() => production.drop());
    productionDb = open(production);
    hashes = await seedProduction(productionDb);
    productionBefore = await counts(productionDb);
  });

  describe('a copy that goes through', () => {
    let staged: Staged;
    before(async () => {
      staged = await copyInto();
    });

    test('succeeds, and ends with one summary line of rows per table', () => {
      assert.equal(staged.code, 0, [...staged.lines, ...staged.errors].join('\n'));
      assert.deepEqual(staged.errors, []);
      const summary =
        /^data:copy: ck-production copied into ck-staging and anonymised: (.+); (.+)$/.exec(
          staged.lines.at(-1) ?? '',
        );
      assert.ok(summary, staged.lines.at(-1));
      // Every table of the schema, in order, with its rows: those this test filled say how many.
      const tables = summary[1]!.split(', ');
      for (const table of ['email_outbox 0', 'photo_uploads 2', 'users 3']) {
        assert.ok(tables.includes(table), `${table} in ${summary[1]}`);
      }
      assert.deepEqual([...tables].sort(), tables);
      assert.match(
        summary[2]!,
        /^3 participant\(s\) renamed, 3 outbox email\(s\) deleted, 2 photo upload\(s\) detached, .*3 session\(s\) deleted$/,
      );
    });

    test('stops the worker and turns on maintenance before pg:copy, and puts both back after', () => {
      assert.deepEqual(
        staged.heroku.calls.map((c) => c.join(' ')),
        [
          'config --json -a ck-staging',
          'ps --json -a ck-staging',
          'ps:scale worker=0 -a ck-staging',
          'maintenance:on -a ck-staging',
          'pg:copy ck-production::DATABASE_URL DATABASE_URL -a ck-staging --confirm DATABASE',
          'config --json -a ck-staging',
          'ps:scale worker=2 -a ck-staging',
          'maintenance:off -a ck-staging',
        ],
      );
      assert.equal(staged.staging.workers, 2);
      assert.equal(staged.staging.maintenance, false);
    });

    test('no participant email, name or password hash from production is left in staging', async () => {
      const dump = await run('pg_dump', ['--data-only', staged.stagingUrl]);
      assert.match(dump, /participant-\d+@example\.invalid/, 'the dump holds the users table');
      for (const [i, p] of PARTICIPANTS.entries()) {
        for (const secret of [p.email, p.email.toLowerCase(), p.displayName, hashes[i] ?? '']) {
          assert.ok(!dump.includes(secret), `staging still holds ${secret}`);
        }
      }
      assert.ok(!dump.includes('Staging Tester'), "staging's own rows were replaced by the copy");
    });

    test("staging has production's rows, with an empty outbox and every photo detached", async () => {
      assert.deepEqual(await counts(staged.stagingDb), { ...productionBefore, email_outbox: 0 });
      assert.deepEqual(await staged.stagingDb('email_outbox').select(), []);
      const uploads = await staged.stagingDb('photo_uploads').select();
      assert.equal(uploads.length, 2);
      for (const upload of uploads) {
        assert.equal(upload.photo_key, null);
        assert.notEqual(upload.status, 'attached');
      }
    });

    test("staging's sessions are gone; its other keys stay", async () => {
      const prefix = staged.staging.config.REDIS_KEY_PREFIX ?? '';
      assert.deepEqual(await sessions.keys(`${prefix}sess:*`), []);
      assert.deepEqual(await sessions.keys(`${prefix}*`), [`${prefix}rl:login:1.2.3.4`]);
    });

    test('production is neither read nor changed', async () => {
      assert.ok(staged.heroku.calls.every((c) => appOf(c) === 'ck-staging'));
      assert.deepEqual(await counts(productionDb), productionBefore);
      const emails = await productionDb('users').orderBy('id').pluck('email');
      assert.deepEqual(
        emails,
        PARTICIPANTS.map((p) => p.email),
      );
    });
  });

  describe('when anonymising fails', () => {
    let staged: Staged;
    before(async () => {
      staged = await copyInto({ broken: true });
    });

    test('staging stays in maintenance with its worker at 0, and nothing is put back', () => {
      assert.equal(staged.code, 1);
      assert.equal(staged.staging.maintenance, true);
      assert.equal(staged.staging.workers, 0);
      const calls = staged.heroku.calls.map((c) => c.join(' '));
      assert.equal(calls.at(-1), 'config --json -a ck-staging');
      assert.ok(!calls.includes('maintenance:off -a ck-staging'));
    });

    test('says staging holds REAL data, that it stays in maintenance, and to run data:copy again', () => {
      const said = staged.errors.join('\n');
      assert.match(said, /failed while anonymising ck-staging's database: .*disk full \(a test\)/);
      assert.match(said, /REAL participants' emails, names/);
      assert.match(said, /stays in maintenance mode and its worker is at 0/);
      assert.match(said, /`heroku ps:scale worker=2 -a ck-staging` brings it back/);
      assert.match(said, /run `npm run data:copy -- production staging` again/);
      assert.doesNotMatch(said, /pg:reset|--confirm/);
    });

    test('the copy is still whole: anonymise changed nothing, it is all or nothing', async () => {
      const emails = await staged.stagingDb('users').orderBy('id').pluck('email');
      assert.deepEqual(
        emails,
        PARTICIPANTS.map((p) => p.email),
      );
    });
  });
});

describe('data:copy refuses, and runs nothing on Heroku', () => {
  const attempt = async (
    argv: string[],
    stagingConfig: Record<string, string> = { APP_ENV: 'staging' },
  ) => {
    const heroku = fakeHeroku({
      'ck-staging': { workers: 1, config: stagingConfig },
      'ck-production': { workers: 1, config: { APP_ENV: 'production' } },
      'ck-review': { workers: 1, config: { APP_ENV: 'review' } },
    });
    const { lines, errors, out } = recorder();
    const code = await main(argv, {
      heroku,
      environments: {
        ...environments,
        review: { app: 'ck-review' },
        live: { app: 'ck-production' },
        eu: { app: 'ck-eu', production: true },
      },
      out,
    });
    return { code, said: errors.join('\n'), lines, heroku };
  };

  test('production as the target, by its name', async () => {
    const { code, said, heroku } = await attempt(['staging', 'production']);
    assert.equal(code, 1);
    assert.match(said, /refusing to overwrite ck-production: it is the production environment/);
    assert.deepEqual(heroku.calls, []);
  });

  test('production as the target, by another name for the same app', async () => {
    const { code, said, heroku } = await attempt(['staging', 'live']);
    assert.equal(code, 1);
    assert.match(said, /refusing to overwrite ck-production/);
    assert.deepEqual(heroku.calls, []);
  });

  test('production as the target, by the environments file saying so', async () => {
    const { code, said, heroku } = await attempt(['staging', 'eu']);
    assert.equal(code, 1);
    assert.match(said, /refusing to overwrite ck-eu: it is the eu environment/);
    assert.deepEqual(heroku.calls, []);
  });

  test('a target app whose own APP_ENV says production', async () => {
    const { code, said, heroku } = await attempt(['production', 'staging'], {
      APP_ENV: 'production',
    });
    assert.equal(code, 1);
    assert.match(said, /refusing to overwrite ck-staging: it says APP_ENV=production/);
    assert.deepEqual(heroku.writes(), []);
  });

  test('a target app with no APP_ENV, which may be a live one', async () => {
    const { code, said, heroku } = await attempt(['production', 'staging'], {});
    assert.equal(code, 1);
    assert.match(said, /it has no APP_ENV.*heroku config:set APP_ENV=staging -a ck-staging/);
    assert.deepEqual(heroku.writes(), []);
  });

  test('the same environment as source and target', async () => {
    const { code, said, heroku } = await attempt(['staging', 'staging']);
    assert.equal(code, 1);
    assert.match(said, /refusing to copy ck-staging onto itself/);
    assert.deepEqual(heroku.calls, []);
  });

  test('an environment that does not exist, naming the ones that do', async () => {
    const { code, said, heroku } = await attempt(['production', 'stagign']);
    assert.equal(code, 1);
    assert.match(said, /no environment "stagign".*staging, production, review, live, eu/);
    assert.deepEqual(heroku.calls, []);
  });
});
