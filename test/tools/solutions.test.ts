// Every exercise has a reference solution in steps/solutions/, and the code a guide's exercise shows is
// the solution's own, line for line, so that a hint cannot drift from what workshop:verify tests.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { solutionsIn } from '../../tools/workshop/exercises.ts';

const root = path.resolve(import.meta.dirname, '../..');
const guides = readdirSync(path.join(root, 'steps/guides')).filter((f) => /^\d+-.*\.md$/.test(f));
const solutions = solutionsIn(
  readdirSync(path.join(root, 'steps/solutions')).map((f): [string, Buffer] => [
    `steps/solutions/${f}`,
    readFileSync(path.join(root, 'steps/solutions', f)),
  ]),
);

/** The exercise of a guide: from "## Exercise" to its first stretch, or the next section. */
function exerciseOf(guide: string): string | undefined {
  const text = readFileSync(path.join(root, 'steps/guides', guide), 'utf8');
  const start = text.indexOf('\n## Exercise\n');
  if (start === -1) return undefined;
  const rest = text.slice(start + 1);
  const end = rest.search(/\n(## |### Stretch)/);
  return end === -1 ? rest : rest.slice(0, end);
}

test('every guide’s exercise has a reference solution, and every solution a guide', () => {
  const withExercise = guides
    .filter((g) => exerciseOf(g) !== undefined)
    .map((g) => parseInt(g, 10));
  assert.ok(withExercise.length > 0);
  assert.deepEqual(
    solutions.map((s) => s.step),
    withExercise,
  );
});

test('the TypeScript a guide’s exercise shows is in its solution, line for line', () => {
  for (const guide of guides) {
    const exercise = exerciseOf(guide);
    const solution = solutions.find((s) => s.step === parseInt(guide, 10));
    if (exercise === undefined || solution === undefined) continue;
    // The solution's lines as they are after it is applied: added and context lines of the diff.
    const known = new Set(
      solution.patch
        .toString('utf8')
        .split('\n')
        .filter((l) => /^[+ ]/.test(l) && !l.startsWith('+++'))
        .map((l) => l.slice(1).trim()),
    );
    let checked = 0;
    for (const block of exercise.matchAll(/```ts\n([\s\S]*?)```/g)) {
      for (const line of block[1]!.split('\n')) {
        const code = line.trim();
        if (code === '' || /^\/\/ …$/.test(code)) continue;
        assert.ok(known.has(code), `${guide}: "${code}" is not in ${solution.file}`);
        checked += 1;
      }
    }
    assert.ok(checked > 0, `${guide} shows no code from its solution`);
  }
});
