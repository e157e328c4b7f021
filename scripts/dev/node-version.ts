// The Node.js version check that `npm run dev` does before anything else.

/** Kept in step with package.json "engines": "24.x"; a test compares the two. */
export const MINIMUM_NODE_MAJOR = 24;

/** Returns what to tell the user when `version` (as in process.versions.node) is too old, else undefined. */
export function nodeVersionProblem(version: string): string | undefined {
  const major = Number.parseInt(version.split('.')[0] ?? '', 10);
  if (major >= MINIMUM_NODE_MAJOR) return undefined;
  return [
    `npm run dev needs Node.js ${MINIMUM_NODE_MAJOR} or newer; this is Node.js ${version}.`,
    `Install Node.js ${MINIMUM_NODE_MAJOR} from https://nodejs.org/en/download or with a version manager:`,
    `  nvm install ${MINIMUM_NODE_MAJOR} && nvm use ${MINIMUM_NODE_MAJOR}     (macOS, Linux, WSL)`,
    `  fnm install ${MINIMUM_NODE_MAJOR} && fnm use ${MINIMUM_NODE_MAJOR}     (also Windows)`,
    'then run npm install and npm run dev again.',
  ].join('\n');
}
