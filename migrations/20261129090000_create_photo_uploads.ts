// Creates photo_uploads: every upload the app has signed for a participant, and which one is their photo.
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('photo_uploads', (table) => {
    // Random, so that neither the key nor the confirm link can be guessed.
    table.uuid('id').primary();
    table.bigInteger('user_id').notNullable().references('users.id').onDelete('CASCADE');
    // Where the browser may write it, under a prefix that a lifecycle rule empties.
    table.text('pending_key').notNullable().unique();
    // The type the page declared (null for a plain form, which cannot know it in advance).
    table.text('declared_type');
    table.text('status').notNullable().defaultTo('pending');
    table.timestamp('expires_at', { useTz: true }).notNullable();
    // Filled when the upload passes its checks and becomes the photo.
    table.text('photo_key');
    table.text('photo_type');
    table.integer('size');
    table.text('rejected_because');
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    table.timestamp('confirmed_at', { useTz: true });
  });
  await db.raw(
    `alter table photo_uploads add constraint photo_uploads_status
       check (status in ('pending', 'attached', 'rejected', 'replaced'))`,
  );
  // A participant has at most one photo; replacing it is one transaction.
  await db.raw(
    "create unique index photo_uploads_one_photo on photo_uploads (user_id) where status = 'attached'",
  );
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('photo_uploads');
}
