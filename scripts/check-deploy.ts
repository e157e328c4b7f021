// `npm run check:deploy -- [--app NAME] [--json]`: the production checklist (scripts/check-deploy/); it runs in
// the pruned slug, so it uses only dependencies and Node's own modules (npm checks the Node.js version first).
import { main } from './check-deploy/main.ts';

process.exitCode = await main(process.argv.slice(2), {
  root: process.cwd(),
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
