// Runs before `npm run dev`, `npm test` and `npm start`: on a Node.js older than package.json's engines
// it stops with one line that says what to do. Plain JavaScript, so that any old Node can run it.
import { readFileSync } from 'node:fs';

const engines = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
).engines;
const required = Number.parseInt(engines.node, 10);
const major = Number.parseInt(process.versions.node, 10);

if (major < required) {
  console.error(
    `This project needs Node.js ${required} (package.json engines "${engines.node}"); this is ` +
      `Node.js ${process.versions.node}. Run it on Node ${required} without installing anything: ` +
      `npx -y -p node@${required} -c 'npm install && npm run dev' — or install Node ${required} ` +
      `(nvm install ${required}, fnm install ${required}, or https://nodejs.org).`,
  );
  process.exit(1);
}
