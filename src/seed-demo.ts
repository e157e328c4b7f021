// Job entry point and function that add the demo participants a review app is seeded with.
import type { Knex } from 'knex';
import { z } from 'zod';
import { hashPassword } from './accounts/passwords.ts';
import { environmentConfig } from './platform/environment.config.ts';
import { configPart, loadConfig, whenMissing } from './config.ts';
import { databaseConfig } from './platform/db.config.ts';
import { assertDbReachable, createDb, describeDatabase } from './platform/db.ts';
import { createLogger } from './platform/logger.ts';
import { runEntryPoint, StartupError } from './platform/startup.ts';

export const DEMO_PARTICIPANTS: ReadonlyArray<{ email: string; displayName: string }> = [
  { email: 'demo1@example.invalid', displayName: 'Ada (demo)' },
  { email: 'demo2@example.invalid', displayName: 'Bruno (demo)' },
  { email: 'demo3@example.invalid', displayName: 'Chidi (demo)' },
  { email: 'demo4@example.invalid', displayName: 'Dana (demo)' },
  { email: 'demo5@example.invalid', displayName: 'Emeka (demo)' },
  { email: 'demo6@example.invalid', displayName: 'Freya (demo)' },
];

export const MIN_DEMO_PASSWORD_LENGTH = 12;

export interface SeedResult {
  /** Participants inserted by this run. */
  added: number;
  /** Participants that were there already and were left as they are. */
  present: number;
}

/**
 * Adds the demo participants who are not there yet, all with one hash of `password`; run twice, the
 * second run adds nothing and changes nothing. No welcome emails: nobody reads example.invalid.
 */
export async function seedDemo(
  db: Knex,
  { password, now }: { password: string; now: Date },
): Promise<SeedResult> {
  if (password.length < MIN_DEMO_PASSWORD_LENGTH) {
    throw new Error(
      `the demo password must have at least ${MIN_DEMO_PASSWORD_LENGTH} characters: pass a longer one`,
    );
  }
  const passwordHash = await hashPassword(password);
  let added = 0;
  await db.transaction(async (trx) => {
    for (const participant of DEMO_PARTICIPANTS) {
      // The conflict target matches the unique index on lower(email), as signup's insert does.
      const result = await trx.raw<{ rows: unknown[] }>(
        `insert into users (email, display_name, password_hash, created_at) values (?, ?, ?, ?)
         on conflict ((lower(email))) do nothing
         returning id`,
        [participant.email, participant.displayName, passwordHash, now],
      );
      added += result.rows.length;
    }
  });
  return { added, present: DEMO_PARTICIPANTS.length - added };
}

const demoConfig = configPart({
  variables: {
    DEMO_PASSWORD: z
      .string({
        error: whenMissing(
          'not set: the password of the demo participants. A review app gets one generated (app.json); ' +
            `elsewhere set it to at least ${MIN_DEMO_PASSWORD_LENGTH} characters: ` +
            'heroku config:set DEMO_PASSWORD=$(openssl rand -hex 12), or a line in .env',
        ),
      })
      .min(
        MIN_DEMO_PASSWORD_LENGTH,
        `too short: use at least ${MIN_DEMO_PASSWORD_LENGTH} characters, e.g. $(openssl rand -hex 12)`,
      ),
  },
  settings: (v) => ({ password: v.DEMO_PASSWORD }),
});

export async function main(): Promise<void> {
  const config = loadConfig(process.env, {
    database: databaseConfig,
    environment: environmentConfig,
    demo: demoConfig,
  });
  const logger = createLogger(config.log);
  const where = describeDatabase(config.database.url);
  if (config.environment.name === 'production') {
    throw new StartupError(
      `refusing to add demo participants to ${where}: APP_ENV says this is production (or is unset with NODE_ENV=production)`,
      'Demo accounts share one password that anyone with the app config can log in with. Seed review ' +
        'apps and staging only: set APP_ENV=review (or staging) there.',
    );
  }
  const db = createDb(config.database, logger);
  await assertDbReachable(db, config.database.url);
  try {
    if (!(await db.schema.hasTable('users'))) {
      throw new StartupError(
        `${where} has no users table yet: it has not been migrated`,
        'Run npm run migrate first (on Heroku the release phase migrates before postdeploy runs).',
      );
    }
    logger.info({ database: where }, 'adding demo participants');
    const { added, present } = await seedDemo(db, {
      password: config.demo.password,
      now: new Date(),
    });
    logger.info(
      { added, present },
      present === 0
        ? `${added} demo participants added`
        : `${added} added, ${present} already there`,
    );
  } finally {
    await db.destroy();
  }
}

if (import.meta.main) await runEntryPoint('seed-demo', main);
