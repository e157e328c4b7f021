// `npm run db:restore -- FILE [--yes]`: a db:backup file restored into DATABASE_URL (the local stand-in's when unset).
import { restore } from './backup/restore.ts';

process.exitCode = await restore(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdin: { stream: process.stdin, isTTY: process.stdin.isTTY === true },
  stdout: process.stdout,
  stderr: process.stderr,
});
