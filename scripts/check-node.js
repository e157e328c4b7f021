// Runs first in every npm script: on a Node.js older than package.json's engines it stops with one line
// that says what to do. Plain JavaScript, so that any old Node can run it.
import { readFileSync } from 'node:fs';

const engines = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
).engines;
const required = Number.parseInt(engines.node, 10);
const major = Number.parseInt(process.versions.node, 10);

/** The npm command that ran this script, with its arguments where they can be read; else the first two. */
function sameCommand() {
  const event = process.env.npm_lifecycle_event;
  if (!event) return 'npm install && npm run dev';
  const command = event === 'test' || event === 'start' ? `npm ${event}` : `npm run ${event}`;
  // npm runs `<script> <args>` in a shell, whose command line Linux shows: the arguments follow the script.
  const script = process.env.npm_lifecycle_script ?? '';
  let line = '';
  try {
    line = readFileSync(`/proc/${process.ppid}/cmdline`, 'utf8').split('\0')[2] ?? '';
  } catch {
    // Not Linux: the command without its arguments.
  }
  const args = script && line.startsWith(script) ? line.slice(script.length).trim() : '';
  return args ? `${command} -- ${args}` : command;
}

if (major < required) {
  const command = sameCommand().split("'").join("'\\''");
  console.error(
    `This project needs Node.js ${required} (package.json engines "${engines.node}"); this is ` +
      `Node.js ${process.versions.node}. Run it on Node ${required} without installing anything: ` +
      `npx -y -p node@${required} -c '${command}' — or install Node ${required} ` +
      `(nvm install ${required}, fnm install ${required}, or https://nodejs.org).`,
  );
  process.exit(1);
}
