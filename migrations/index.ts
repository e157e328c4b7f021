// Every migration in order. A step that changes the schema adds a timestamped file and one line here.
import type { Knex } from 'knex';
import * as createUsers from './20261123090000_create_users.ts';
import * as createEmailOutbox from './20261123100000_create_email_outbox.ts'; // @step 3+

export interface Migration {
  name: string;
  up(db: Knex): Promise<void>;
  down(db: Knex): Promise<void>;
}

// prettier-ignore
export const migrations: readonly Migration[] = [
  createUsers,
  createEmailOutbox, // @step 3+
];
