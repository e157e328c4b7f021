// Gives each queued email the id of the request that queued it, so that the worker's lines for its
// delivery carry the same id as the web lines of that request.
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  // Nullable and without a default: adding it rewrites no row, and older code that inserts without it
  // (during a deploy, or after a rollback) still works.
  await db.schema.alterTable('email_outbox', (table) => {
    table.text('request_id');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('email_outbox', (table) => {
    table.dropColumn('request_id');
  });
}
