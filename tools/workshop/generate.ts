// Turns the source tree and its manifest into the workshop's trees: base material plus one tree per step.
import { formatJson, JsonKeyError, withoutKeys, type JsonValue } from './json-keys.ts';
import { MANIFEST_PATH, parseManifest, renamed, ruleFor, type Manifest } from './manifest.ts';
import { processText } from './markers.ts';
import type { Tree, TreeFile } from './source.ts';

export const LOCKFILE = 'package-lock.json';

export interface StepTree {
  number: number;
  slug: string;
  title: string;
  summary: string | undefined;
  files: Tree;
  /** File → region name → the region's lines in this step. */
  regions: Map<string, Map<string, string>>;
  /** File → the steps at which the manifest or a marker changes it. */
  declaredChanges: Map<string, Set<number>>;
}

export interface Workshop {
  manifest: Manifest;
  /** Material in every commit from the base commit on (guides, slides, the workshop README). */
  base: Tree;
  steps: StepTree[];
}

const isBinary = (content: Buffer) => content.subarray(0, 8000).includes(0);

export function generate(source: Tree): Workshop {
  const manifestFile = source.get(MANIFEST_PATH);
  if (!manifestFile) throw new Error(`${MANIFEST_PATH} is not committed in the source`);
  const manifest = parseManifest(manifestFile.content.toString('utf8'));
  const finalStep = manifest.steps.length;

  const base: Tree = new Map();
  for (const [path, file] of source) {
    if (ruleFor(manifest, path) === 'base') base.set(renamed(manifest, path), file);
  }

  for (const file of Object.keys(manifest.json)) {
    if (!source.has(file))
      throw new JsonKeyError(file, '', 'is listed in "json" but not committed');
    const rule = ruleFor(manifest, file);
    if (rule === 'source' || rule === 'base') {
      throw new JsonKeyError(file, '', 'has keys assigned to steps but is not part of any step');
    }
  }

  const steps = manifest.steps.map((meta, index) => {
    const number = index + 1;
    const files: Tree = new Map();
    const regions = new Map<string, Map<string, string>>();
    const declaredChanges = new Map<string, Set<number>>();

    for (const [path, file] of source) {
      if (path === MANIFEST_PATH || path === LOCKFILE) continue;
      const rule = ruleFor(manifest, path);
      if (rule === 'source' || rule === 'base') continue;
      const since = typeof rule === 'number' ? rule : rule.since;
      const until = typeof rule === 'number' ? Infinity : rule.until;
      const changes = new Set<number>();
      if (since > 1) changes.add(since);
      if (until < finalStep) changes.add(until + 1);
      declaredChanges.set(path, changes);
      if (number < since || number > until) continue;

      const stepFile = renderFile(manifest, path, file, number, finalStep, changes);
      files.set(path, stepFile.file);
      if (stepFile.regions.size > 0) regions.set(path, stepFile.regions);
    }
    return {
      number,
      slug: meta.slug,
      title: meta.title,
      summary: meta.summary,
      files,
      regions,
      declaredChanges,
    };
  });

  return { manifest, base, steps };
}

function renderFile(
  manifest: Manifest,
  path: string,
  file: TreeFile,
  step: number,
  finalStep: number,
  changes: Set<number>,
): { file: TreeFile; regions: Map<string, string> } {
  const keys = manifest.json[path];
  if (keys) {
    const text = file.content.toString('utf8');
    const parsed = JSON.parse(text) as JsonValue;
    if (formatJson(parsed) !== text) {
      throw new JsonKeyError(
        path,
        '',
        'must be formatted as two-space JSON with a final newline (as npm writes it)',
      );
    }
    const drop: string[] = [];
    for (const [key, rule] of Object.entries(keys)) {
      if (rule === 'source' || rule > step) drop.push(key);
      if (typeof rule === 'number' && rule > 1) changes.add(rule);
    }
    const content = Buffer.from(formatJson(withoutKeys(path, parsed, drop)));
    return { file: { mode: file.mode, content }, regions: new Map() };
  }
  if (file.mode === '120000' || isBinary(file.content)) return { file, regions: new Map() };
  const processed = processText(path, file.content.toString('utf8'), step, finalStep);
  for (const at of processed.changesAt) changes.add(at);
  return {
    file: { mode: file.mode, content: Buffer.from(processed.text) },
    regions: processed.regions,
  };
}

/**
 * Every file that differs between two consecutive steps must be one the manifest or a marker assigns
 * to the later step; returns the offending paths (empty when the history is as declared).
 */
export function undeclaredChanges(previous: StepTree, next: StepTree): string[] {
  const paths = new Set([...previous.files.keys(), ...next.files.keys()]);
  const offending: string[] = [];
  for (const path of paths) {
    const before = previous.files.get(path);
    const after = next.files.get(path);
    if (sameFile(before, after)) continue;
    if (path === LOCKFILE) {
      if (!sameFile(previous.files.get('package.json'), next.files.get('package.json'))) continue;
    } else if (next.declaredChanges.get(path)?.has(next.number)) continue;
    offending.push(path);
  }
  return offending.sort();
}

function sameFile(a: TreeFile | undefined, b: TreeFile | undefined): boolean {
  return a !== undefined && b !== undefined && a.mode === b.mode && a.content.equals(b.content);
}
