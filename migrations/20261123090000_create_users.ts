// Creates the users table: one row per campaign participant.
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('users', (table) => {
    table.bigIncrements('id').primary();
    table.text('email').notNullable();
    table.text('display_name').notNullable();
    table.text('password_hash').notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
  });
  // Unique whatever the case, even if a row ever bypasses the app's lower-casing.
  await db.raw('create unique index users_email_lower_unique on users (lower(email))');
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('users');
}
