// `npm run dev`: checks the Node.js version, then runs the Procfile's processes like `heroku local`.
import { nodeVersionProblem } from './dev/node-version.ts';

const problem = nodeVersionProblem(process.versions.node);
if (problem !== undefined) {
  console.error(problem);
  process.exit(1);
}

// Imported only after the check, so an older Node stops at the message above, not inside the launcher.
const { launch } = await import('./dev/launcher.ts');
const code = await launch({ root: process.cwd(), env: process.env, stdout: process.stdout });
// Exit once the output is flushed, even if a stand-in's library left a timer or socket behind.
process.stdout.write('', () => process.exit(code));
