// `npm run deploy -- …`: the entry point of the deploy tool (npm checks the Node.js version first).
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2), {
  root: process.cwd(),
  env: process.env,
  input: { stream: process.stdin, isTTY: process.stdin.isTTY === true },
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
