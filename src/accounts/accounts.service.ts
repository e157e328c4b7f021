// Signing up and logging in: the rules, with the writes that belong together in one transaction.
import type { Deps } from '../deps.ts';
import type { UsersRepo, User } from './accounts.repo.ts';
import { hashPassword, verifyAgainstNothing, verifyPassword } from './passwords.ts';
import { queueWelcomeEmail } from '../email/welcome.ts'; // @step 3+

export type SignupResult = { ok: true; user: User } | { ok: false; reason: 'email-taken' };

export function createAccounts(deps: Pick<Deps, 'db' | 'config'>, users: UsersRepo) {
  return {
    async signUp(input: {
      email: string;
      displayName: string;
      password: string;
    }): Promise<SignupResult> {
      // Hash before the transaction opens, so no connection is held during tens of milliseconds of scrypt.
      const passwordHash = await hashPassword(input.password);
      return deps.db.transaction(async (trx): Promise<SignupResult> => {
        const user = await users.insert(trx, { ...input, passwordHash });
        if (!user) return { ok: false, reason: 'email-taken' };
        await queueWelcomeEmail(trx, deps.config, user); // @step 3+
        return { ok: true, user };
      });
    },

    /** The user for these credentials, or undefined; an unknown email costs the same time as a wrong password. */
    async logIn(email: string, password: string): Promise<User | undefined> {
      const user = await users.findByEmail(email);
      if (!user) return verifyAgainstNothing(password).then(() => undefined);
      return (await verifyPassword(password, user.passwordHash)) ? user : undefined;
    },
  };
}
