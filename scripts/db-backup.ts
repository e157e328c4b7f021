// `npm run db:backup [-- --out FILE]`: a backup of DATABASE_URL (the local stand-in's when unset) with pg_dump.
import { backup } from './backup/backup.ts';

process.exitCode = await backup(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
});
