// Job entry point and function that strip personal data from a copy of production (staging, a review app).
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { hashPassword } from './accounts/passwords.ts';
import { environmentConfig } from './platform/environment.config.ts';
import { loadConfig } from './config.ts';
import { databaseConfig } from './platform/db.config.ts';
import { assertDbReachable, createDb, describeDatabase } from './platform/db.ts';
import { createLogger } from './platform/logger.ts';
import { runEntryPoint, StartupError } from './platform/startup.ts';

export interface AnonymiseCounts {
  users: number;
  emails: number;
  photos: number;
  subscriptions: number; // @step 7+
}

/** What anonymising did, a phrase a table: "3 participant(s) renamed", … */
export function describeAnonymised(counts: AnonymiseCounts): string[] {
  return [
    `${counts.users} participant(s) renamed`,
    `${counts.emails} outbox email(s) deleted`,
    `${counts.photos} photo upload(s) detached`,
    `${counts.subscriptions} digest subscription(s) ended`, // @step 7+
  ];
}

export interface AnonymiseOptions {
  /** Told what is being done, step by step. */
  progress?: (step: string) => void;
}

/**
 * In one transaction: every participant gets a made-up email and name and a password nobody knows,
 * the outbox is emptied, and every photo is detached. Tables an older schema lacks are skipped.
 */
export async function anonymise(
  db: Knex,
  { progress = () => {} }: AnonymiseOptions = {},
): Promise<AnonymiseCounts> {
  // Hashed before the transaction opens, so the scrypt work holds no locks. One hash for everyone:
  // nobody can log in as anyone, and the copy carries no trace of a real hash.
  const unknowable = await hashPassword(randomBytes(32).toString('base64url'));
  return db.transaction(async (trx) => {
    progress('replacing emails, names and password hashes in users');
    // Through a random interim first: the unique index on lower(email) is checked row by row, and a
    // real participant may have signed up as participant-7@example.invalid.
    const interim = randomBytes(8).toString('hex');
    await trx.raw(
      `update users set email = 'anonymising-' || ? || '-' || id || '@example.invalid'`,
      [interim],
    );
    const users = await trx('users').update({
      email: trx.raw(`'participant-' || id || '@example.invalid'`),
      display_name: trx.raw(`'Participant ' || id`),
      password_hash: unknowable,
    });

    let emails = 0;
    if (await trx.schema.hasTable('email_outbox')) {
      progress('emptying email_outbox');
      emails = await trx('email_outbox').delete();
    }

    let photos = 0;
    if (await trx.schema.hasTable('photo_uploads')) {
      progress('detaching photos in photo_uploads');
      // Rows stay (the copy keeps production's shape) but point at no object: 'replaced' with no
      // photo_key is a former photo already deleted, which the app never shows and the sweep skips.
      // Rejected uploads are already gone and keep their status.
      photos = await trx('photo_uploads').update({
        photo_key: null,
        pending_key: trx.raw(`'detached-' || id`),
        status: trx.raw(`case when status = 'rejected' then 'rejected' else 'replaced' end`),
      });
    }
    return {
      users,
      emails,
      photos,
      subscriptions: await endDigestSubscriptions(trx, progress), // @step 7+
    };
  });
}

// @step 7+
/** Nobody on a copy gets the digest: its addresses are made up, and mail to them would bounce. */
async function endDigestSubscriptions(trx: Knex.Transaction, progress: (step: string) => void) {
  if (!(await trx.schema.hasTable('digest_subscriptions'))) return 0;
  progress('emptying digest_subscriptions');
  return trx('digest_subscriptions').delete();
}
// @end

export async function main(): Promise<void> {
  const config = loadConfig(process.env, {
    database: databaseConfig,
    environment: environmentConfig,
  });
  const logger = createLogger(config.log);
  const where = describeDatabase(config.database.url);
  if (config.environment.name === 'production') {
    throw new StartupError(
      `refusing to anonymise ${where}: APP_ENV says this is production (or is unset with NODE_ENV=production)`,
      'Anonymise a copy only: on the staging or review app, set APP_ENV=staging (or review) and run it there.',
    );
  }
  // No query deadline: a large users table may rightly take longer than a web request may wait.
  const db = createDb({ ...config.database, queryTimeoutMs: 0 }, logger);
  await assertDbReachable(db, config.database.url);
  try {
    logger.info({ database: where }, 'anonymising');
    const counts = await anonymise(db, { progress: (step) => logger.info(step) });
    logger.info(counts, `anonymised ${where}: ${describeAnonymised(counts).join(', ')}`);
  } finally {
    await db.destroy();
  }
}

if (import.meta.main) await runEntryPoint('anonymise', main);
