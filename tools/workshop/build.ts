// Builds the workshop's commits from a source tree: generated steps, their lockfiles, expanded decks.
import { expandExcerpts } from '../slides/excerpts.ts';
import { generate, LOCKFILE, undeclaredChanges, type Workshop } from './generate.ts';
import { formatJson, type JsonValue } from './json-keys.ts';
import type { Commit } from './git-writer.ts';
import { deriveLockfile } from './lockfile.ts';
import type { Tree } from './source.ts';

export interface BuildOptions {
  /** Where derived lockfiles are cached between runs; omit to derive every time. */
  cacheDir?: string;
  progress?: (message: string) => void;
  /** Where the workshop repository will be published: app.json's `repository`, for the Heroku Button. */
  repository?: string;
}

export async function buildWorkshop(source: Tree, options: BuildOptions = {}) {
  const progress = options.progress ?? (() => {});
  const workshop = generate(source);
  const { steps } = workshop;

  for (let i = 1; i < steps.length; i++) {
    const offending = undeclaredChanges(steps[i - 1]!, steps[i]!);
    if (offending.length > 0) {
      throw new Error(
        `step ${i + 1} changes files that nothing assigns to it: ${offending.join(', ')}`,
      );
    }
  }

  if (options.repository) {
    for (const step of steps) setRepository(step.files, options.repository);
  }

  const sourceLock = source.get(LOCKFILE)?.content.toString('utf8');
  for (const step of steps) {
    const packageJson = step.files.get('package.json');
    if (!packageJson || sourceLock === undefined) continue;
    progress(`step ${step.number}: deriving ${LOCKFILE}`);
    const lock = await deriveLockfile(
      packageJson.content.toString('utf8'),
      sourceLock,
      options.cacheDir,
    );
    step.files.set(LOCKFILE, { mode: '100644', content: Buffer.from(lock) });
  }

  const base = expandDecks(workshop);
  const commits: Commit[] = [
    { message: 'Workshop materials: guides and slides', tree: base },
    ...steps.map((step) => ({
      message: `Step ${step.number}: ${step.title}${step.summary ? `\n\n${step.summary}` : ''}`,
      tree: new Map([...base, ...step.files]),
      tag: `step-${step.number}`,
    })),
  ];
  return { workshop, commits };
}

/** The base material with every deck's excerpts filled in from the steps. */
export function expandDecks({ base, steps }: Workshop): Tree {
  const expanded: Tree = new Map();
  for (const [path, file] of base) {
    if (/^slides\/[^/]+\.md$/.test(path)) {
      const markdown = expandExcerpts(path, file.content.toString('utf8'), steps);
      expanded.set(path, { mode: file.mode, content: Buffer.from(markdown) });
    } else {
      expanded.set(path, file);
    }
  }
  return expanded;
}

function setRepository(files: Tree, repository: string): void {
  const file = files.get('app.json');
  if (!file) return;
  const appJson = JSON.parse(file.content.toString('utf8')) as JsonValue &
    Record<string, JsonValue>;
  appJson.repository = repository;
  files.set('app.json', { mode: file.mode, content: Buffer.from(formatJson(appJson)) });
}
