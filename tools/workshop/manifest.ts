// The step manifest (steps/steps.json): the ordered steps, and which files and JSON keys belong to which.
import path from 'node:path';
import { z } from 'zod';

const stepNumber = z.number().int().min(1);

// A file rule: a first step, a range of steps, "base" (workshop material in every commit, from the
// base commit on) or "source" (this repository only: tools, CI, the manifest itself).
const fileRule = z.union([
  stepNumber,
  z.object({ since: stepNumber, until: stepNumber }).strict(),
  z.literal('base'),
  z.literal('source'),
]);

const jsonRule = z.union([stepNumber, z.literal('source')]);

export const manifestSchema = z
  .object({
    steps: z
      .array(
        z
          .object({
            slug: z.string().regex(/^[a-z0-9-]+$/),
            title: z.string().min(1),
            summary: z.string().optional(),
          })
          .strict(),
      )
      .min(1),
    files: z.record(z.string(), fileRule).default({}),
    json: z.record(z.string(), z.record(z.string().startsWith('/'), jsonRule)).default({}),
    rename: z.record(z.string(), z.string()).default({}),
    // Values for the pruned-slug check of variables that app.json requires without a value (a Heroku
    // Button asks the person deploying for them).
    verify: z
      .object({ env: z.record(z.string(), z.string()).default({}) })
      .strict()
      .default({ env: {} }),
  })
  .strict();

export type Manifest = z.infer<typeof manifestSchema>;
export type FileRule = z.infer<typeof fileRule>;

export const MANIFEST_PATH = 'steps/steps.json';

export class ManifestError extends Error {
  constructor(message: string) {
    super(`${MANIFEST_PATH}: ${message}`);
    this.name = 'ManifestError';
  }
}

export function parseManifest(text: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ManifestError(`not valid JSON (${(err as Error).message})`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `/${i.path.join('/')}: ${i.message}`);
    throw new ManifestError(problems.join('; '));
  }
  const manifest = parsed.data;
  const last = manifest.steps.length;
  const checkStep = (n: number, where: string) => {
    if (n > last)
      throw new ManifestError(`${where} names step ${n}, but only ${last} steps are listed`);
  };
  for (const [pattern, rule] of Object.entries(manifest.files)) {
    if (typeof rule === 'number') checkStep(rule, `files["${pattern}"]`);
    if (typeof rule === 'object') {
      checkStep(rule.since, `files["${pattern}"]`);
      if (rule.until >= last || rule.until < rule.since) {
        throw new ManifestError(
          `files["${pattern}"]: "until" must be at least "since" and before the last step ${last}`,
        );
      }
    }
  }
  for (const [file, keys] of Object.entries(manifest.json)) {
    for (const [key, rule] of Object.entries(keys)) {
      if (typeof rule === 'number') checkStep(rule, `json["${file}"]["${key}"]`);
    }
  }
  return manifest;
}

// Glob syntax that path.posix.matchesGlob understands: a pattern without any is an exact path.
const GLOB_SYNTAX = /[*?[{]|[!+@]\(/;

/**
 * How specific a pattern is: an exact path beats every glob; among globs, the longer literal prefix
 * (the text before the first wildcard, so usually the deeper folder) wins. The most specific match
 * decides, whatever the order of "files": with the order deciding (last match wins, as .gitignore
 * does), a broad glob added at the end would silently move files that a specific entry assigns. Two
 * matching globs of equal specificity that say different things are an error rather than a guess.
 */
export function specificity(pattern: string): number {
  const wildcard = pattern.search(GLOB_SYNTAX);
  return wildcard === -1 ? Infinity : wildcard;
}

const sameRule = (a: FileRule, b: FileRule) => JSON.stringify(a) === JSON.stringify(b);

/** The rule for a path: the most specific matching pattern's; unlisted files are step 1's. */
export function ruleFor(manifest: Manifest, file: string): FileRule {
  const matches = Object.entries(manifest.files).filter(([pattern]) =>
    specificity(pattern) === Infinity ? pattern === file : path.posix.matchesGlob(file, pattern),
  );
  if (matches.length === 0) return 1;
  const rank = Math.max(...matches.map(([pattern]) => specificity(pattern)));
  const [first, ...others] = matches.filter(([pattern]) => specificity(pattern) === rank);
  const [pattern, rule] = first!;
  const conflict = others.find(([, other]) => !sameRule(other, rule));
  if (conflict) {
    throw new ManifestError(
      `files["${pattern}"] and files["${conflict[0]}"] are equally specific and both match ${file}, ` +
        `but assign ${JSON.stringify(rule)} and ${JSON.stringify(conflict[1])}: ` +
        'add an entry for the file, or make one glob narrower',
    );
  }
  return rule;
}

/** Where a base file lands in the workshop repository (a rename may map a file or a folder/). */
export function renamed(manifest: Manifest, file: string): string {
  for (const [from, to] of Object.entries(manifest.rename)) {
    if (from.endsWith('/') && file.startsWith(from)) return to + file.slice(from.length);
    if (file === from) return to;
  }
  return file;
}
