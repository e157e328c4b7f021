// Creates the daily digest's tables, and gives the outbox what a nightly batch needs: the participant and
// campaign day a message is for, unique together, its own mail headers, and an index to prune by age.
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  // A row while a participant wants the digest: opting out deletes it.
  await db.schema.createTable('digest_subscriptions', (table) => {
    table.bigInteger('user_id').primary().references('users.id').onDelete('CASCADE');
    table.timestamp('subscribed_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
  });
  // One row a campaign day: the figures every run of that day sends, fixed by the first run.
  await db.schema.createTable('digest_editions', (table) => {
    table.date('campaign_day').primary();
    // What the digest counts as new: from the previous edition's cutoff up to this one.
    table.timestamp('cutoff', { useTz: true }).notNullable();
    table.jsonb('figures').notNullable();
    table.timestamp('finished_at', { useTz: true });
    table.integer('enqueued').notNullable().defaultTo(0);
  });
  // Nullable, so that adding them rewrites nothing; the welcome email leaves them empty.
  await db.schema.alterTable('email_outbox', (table) => {
    table.bigInteger('user_id').references('users.id').onDelete('CASCADE');
    table.date('campaign_day');
    table.jsonb('headers');
  });
  // The batch's guarantee: one message of a kind a participant a campaign day, however many runs.
  await db.raw(
    `create unique index email_outbox_once_a_day on email_outbox (user_id, kind, campaign_day)
       where campaign_day is not null`,
  );
  // The retention job's query: sent messages, oldest first.
  await db.raw("create index email_outbox_sent on email_outbox (sent_at) where status = 'sent'");
}

export async function down(db: Knex): Promise<void> {
  await db.raw('drop index email_outbox_sent');
  await db.raw('drop index email_outbox_once_a_day');
  await db.schema.alterTable('email_outbox', (table) => {
    table.dropColumns('user_id', 'campaign_day', 'headers');
  });
  await db.schema.dropTable('digest_editions');
  await db.schema.dropTable('digest_subscriptions');
}
