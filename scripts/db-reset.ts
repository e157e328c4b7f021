// `npm run db:reset`: empties the local Postgres stand-in, for example after an exercise's migration on
// another branch. A DATABASE_URL of your own is never touched.
import { projectEnv } from './dev/env.ts';
import { resetLocalDatabase } from './dev/services/postgres.ts';

const root = process.cwd();
const { ok, message } = resetLocalDatabase(root, projectEnv(root, process.env).env);
(ok ? console.log : console.error)(`db:reset: ${message}`);
process.exitCode = ok ? 0 : 1;
