// `npm run dev`: checks the Node.js version, then runs the Procfile's processes like `heroku local`;
// `node scripts/dev.ts run <command> [args...]` runs one command with the same environment instead.
import { nodeVersionProblem } from './dev/node-version.ts';

const problem = nodeVersionProblem(process.versions.node);
if (problem !== undefined) {
  console.error(problem);
  process.exit(1);
}

// Imported only after the check, so an older Node stops at the message above, not inside the launcher.
const [subcommand, ...rest] = process.argv.slice(2);
let code: number;
if (subcommand === undefined) {
  const { launch } = await import('./dev/launcher.ts');
  code = await launch({ root: process.cwd(), env: process.env, stdout: process.stdout });
} else if (subcommand === 'run') {
  const { runOnce } = await import('./dev/run.ts');
  code = await runOnce({
    root: process.cwd(),
    env: process.env,
    argv: rest,
    stderr: process.stderr,
  });
} else {
  const { RUN_USAGE } = await import('./dev/run.ts');
  console.error(
    `unknown argument "${subcommand}": npm run dev takes none.\n` +
      `To run one command with the stand-ins: ${RUN_USAGE}`,
  );
  code = 1;
}
// Exit once the output is flushed, even if a stand-in's library left a timer or socket behind.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
