// This repository's app.json against Heroku's published app.json schema (fetched once, then cached).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { appJsonProblems, herokuAppJsonSchema } from '../../tools/workshop/app-json-schema.ts';

const root = path.resolve(import.meta.dirname, '../..');
const schema = herokuAppJsonSchema(path.join(root, 'node_modules/.cache/workshop'));
const appJson = JSON.parse(readFileSync(path.join(root, 'app.json'), 'utf8')) as Record<
  string,
  unknown
>;

test("app.json matches Heroku's schema", () => {
  assert.deepEqual(appJsonProblems(schema, appJson), []);
});

test('the schema check catches a malformed app.json', () => {
  const broken = {
    ...appJson,
    formation: { web: { quantity: 'one' } },
    env: { X: { required: 'yes' } },
  };
  const problems = appJsonProblems(schema, broken);
  assert.ok(
    problems.some((p) => p.includes('/formation/web/quantity')),
    problems.join('\n'),
  );
  assert.ok(
    problems.some((p) => p.includes('/env/X')),
    problems.join('\n'),
  );
});
