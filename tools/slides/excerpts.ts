// Expands `<!-- excerpt: PATH::DECLARATION -->` and `<!-- excerpt: PATH#REGION -->` lines in a deck into
// code read from a generated step, so a slide can never show code that the step no longer has.
import path from 'node:path';
import type { StepTree } from '../workshop/generate.ts';
import { DeclarationError, declarationText } from './declarations.ts';

export class ExcerptError extends Error {
  constructor(deck: string, line: number, message: string) {
    super(`${deck}:${line}: ${message}`);
    this.name = 'ExcerptError';
  }
}

/**
 * The most lines an excerpt may have: code set large enough to read from the back of a room (MIN_CODE_PX in
 * fit.ts: 14 px at 1280×720, 21 px at 1080p) fits about this many on a slide. Split the slide, or quote a
 * smaller region.
 */
export const MAX_EXCERPT_LINES = 18;

// PATH, then a region (#name) or a declaration (::name, or ::outer.inner for one declared inside another).
const EXCERPT =
  /^<!--\s*excerpt:\s*([^\s#():]+)(?:#([\w-]+)|::([\w$]+(?:\.[\w$]+)*))?\s*(?:\(step (\d+)\))?\s*-->\s*$/;
const LOOKS_LIKE_EXCERPT = /<!--\s*excerpt\b/;

const LANGUAGES: Record<string, string> = {
  '.ts': 'ts',
  '.js': 'js',
  '.json': 'json',
  '.css': 'css',
  '.md': 'markdown',
  '.yml': 'yaml',
  '.yaml': 'yaml',
  '.sh': 'sh',
};

/** The step a deck belongs to, from its file name: `00-intro.md` and `01-hello-world.md` use step 1. */
export function deckStep(deckPath: string): number {
  const match = /^(\d+)-/.exec(path.posix.basename(deckPath));
  return match ? Math.max(1, Number(match[1])) : 1;
}

export function expandExcerpts(
  deckPath: string,
  markdown: string,
  steps: readonly StepTree[],
): string {
  const defaultStep = deckStep(deckPath);
  return markdown
    .split('\n')
    .map((line, index) => {
      const lineNo = index + 1;
      const match = EXCERPT.exec(line.trim());
      if (!match) {
        if (LOOKS_LIKE_EXCERPT.test(line)) {
          throw new ExcerptError(
            deckPath,
            lineNo,
            'malformed excerpt: write <!-- excerpt: PATH::DECLARATION -->, <!-- excerpt: PATH#REGION --> or <!-- excerpt: PATH (step N) -->',
          );
        }
        return line;
      }
      const [, file, region, declaration, stepText] = match as unknown as [
        string,
        string,
        string | undefined,
        string | undefined,
        string | undefined,
      ];
      const stepNumber = stepText ? Number(stepText) : defaultStep;
      const step = steps[stepNumber - 1];
      if (!step) {
        throw new ExcerptError(
          deckPath,
          lineNo,
          `step ${stepNumber} does not exist (the manifest lists ${steps.length})`,
        );
      }
      const source = step.files.get(file);
      if (!source) {
        throw new ExcerptError(
          deckPath,
          lineNo,
          `excerpt ${file}: step ${stepNumber} has no such file`,
        );
      }
      let code = source.content.toString('utf8').replace(/\n$/, '');
      if (region) {
        const regions = step.regions.get(file);
        const found = regions?.get(region);
        if (found === undefined) {
          const known = regions ? [...regions.keys()].join(', ') : 'none';
          throw new ExcerptError(
            deckPath,
            lineNo,
            `excerpt ${file}#${region}: step ${stepNumber}'s ${file} has no region "${region}" (regions there: ${known})`,
          );
        }
        code = found;
      }
      if (declaration) {
        try {
          code = declarationText(file, code, declaration);
        } catch (err) {
          if (!(err instanceof DeclarationError)) throw err;
          throw new ExcerptError(
            deckPath,
            lineNo,
            `excerpt ${file}::${declaration}: step ${stepNumber}'s ${err.message}`,
          );
        }
      }
      const lines = code.split('\n').length;
      if (lines > MAX_EXCERPT_LINES) {
        throw new ExcerptError(
          deckPath,
          lineNo,
          `excerpt ${file}${region ? `#${region}` : ''}${declaration ? `::${declaration}` : ''} has ${lines} lines; a slide holds ${MAX_EXCERPT_LINES} that can be read from the back of the room: quote a smaller declaration or region, or split the slide`,
        );
      }
      const language = LANGUAGES[path.posix.extname(file)] ?? 'text';
      const fence = code.includes('```') ? '````' : '```';
      return `${fence}${language}\n${code}\n${fence}`;
    })
    .join('\n');
}
