// The guides, decks and workshop README hold true in every commit of the workshop: no command in them
// names a step the workshop does not have, and none points at this repository's own paths.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(readFileSync(path.join(root, 'steps/steps.json'), 'utf8')) as {
  steps: unknown[];
};
const files = [
  ...readdirSync(path.join(root, 'slides')).map((f) => `slides/${f}`),
  ...readdirSync(path.join(root, 'steps/guides')).map((f) => `steps/guides/${f}`),
  'steps/workshop/README.md',
].filter((f) => f.endsWith('.md'));

test('every step a command checks out, tags or diffs exists', () => {
  for (const file of files) {
    const text = readFileSync(path.join(root, file), 'utf8');
    for (const match of text.matchAll(/\bstep-(\d+)\b/g)) {
      const line = text.slice(0, match.index).split('\n').length;
      assert.ok(
        Number(match[1]) <= manifest.steps.length,
        `${file}:${line} names step-${match[1]}, but the workshop has ${manifest.steps.length} steps`,
      );
    }
  }
});

test('no guide or deck points at the source repository’s own folders', () => {
  for (const file of files) {
    const text = readFileSync(path.join(root, file), 'utf8');
    assert.doesNotMatch(text, /steps\/(guides|solutions|workshop)\//, file);
  }
});
