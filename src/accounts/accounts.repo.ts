// SQL for users: the only place that knows the users table.
import type { Knex } from 'knex';
import type { Db } from '../platform/db.ts';

export interface User {
  id: string;
  email: string;
  displayName: string;
  passwordHash: string;
  createdAt: Date;
}

interface UserRow {
  id: string;
  email: string;
  display_name: string;
  password_hash: string;
  created_at: Date;
}

const toUser = (row: UserRow): User => ({
  id: String(row.id),
  email: row.email,
  displayName: row.display_name,
  passwordHash: row.password_hash,
  createdAt: row.created_at,
});

export function createUsersRepo(db: Db) {
  return {
    /** Inserts a user, or returns undefined when the email is taken (in any letter case). */
    async insert(
      trx: Knex.Transaction,
      user: { email: string; displayName: string; passwordHash: string },
    ): Promise<User | undefined> {
      // ON CONFLICT keeps the transaction usable; a caught unique violation would abort it.
      const result = await trx.raw<{ rows: UserRow[] }>(
        `insert into users (email, display_name, password_hash) values (?, ?, ?)
         on conflict ((lower(email))) do nothing
         returning *`,
        [user.email, user.displayName, user.passwordHash],
      );
      const row = result.rows[0];
      return row ? toUser(row) : undefined;
    },

    async findByEmail(email: string): Promise<User | undefined> {
      const row = await db<UserRow>('users').whereRaw('lower(email) = lower(?)', [email]).first();
      return row ? toUser(row) : undefined;
    },

    async findById(id: string): Promise<User | undefined> {
      const row = await db<UserRow>('users').where({ id }).first();
      return row ? toUser(row) : undefined;
    },
  };
}

export type UsersRepo = ReturnType<typeof createUsersRepo>;
