// Creates the email outbox: messages written in the same transaction as the change that causes them,
// delivered later by the worker.
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('email_outbox', (table) => {
    table.bigIncrements('id').primary();
    table.text('kind').notNullable();
    table.text('to_address').notNullable();
    table.text('to_name').notNullable();
    table.text('subject').notNullable();
    table.text('text_body').notNullable();
    table.text('html_body').notNullable();
    table.text('status').notNullable().defaultTo('pending');
    table.integer('attempts').notNullable().defaultTo(0);
    table.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    table.text('last_error');
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    table.timestamp('sent_at', { useTz: true });
  });
  await db.raw(
    "alter table email_outbox add constraint email_outbox_status check (status in ('pending', 'sent', 'failed'))",
  );
  // The worker's query: due messages, oldest first. Sent and failed rows never enter this index.
  await db.raw(
    "create index email_outbox_due on email_outbox (next_attempt_at, id) where status = 'pending'",
  );
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('email_outbox');
}
