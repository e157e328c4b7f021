// The slug's app.json check (zod, since ajv is pruned) agrees with Heroku's published schema checked by ajv:
// both accept this repository's app.json, and both refuse each of a set of broken ones.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { appJsonProblems } from '../../scripts/check-deploy/app-json.ts';
import {
  appJsonProblems as schemaProblems,
  herokuAppJsonSchema,
} from '../../tools/workshop/app-json-schema.ts';
import { ROOT } from './support.ts';

const schema = herokuAppJsonSchema(path.join(ROOT, 'node_modules/.cache/workshop'));
const appJson = JSON.parse(readFileSync(path.join(ROOT, 'app.json'), 'utf8')) as Record<
  string,
  unknown
>;

test("this repository's app.json is valid for both", () => {
  assert.deepEqual(schemaProblems(schema, appJson), []);
  assert.deepEqual(appJsonProblems(appJson), []);
});

const BROKEN: Record<string, Record<string, unknown>> = {
  'an unknown key': { addon: [] },
  'a dyno size Heroku does not have': { formation: { web: { quantity: 1, size: 'standard-4x' } } },
  'a formation without a quantity': { formation: { web: { size: 'basic' } } },
  'a variable given as a bare string': { env: { SESSION_SECRET: 'x' } },
  'a generator other than secret': { env: { SESSION_SECRET: { generator: 'uuid' } } },
  'an add-on without a plan': { addons: [{ as: 'DATABASE' }] },
  'an environment Heroku does not read': { environments: { staging: {} } },
  'a stack that does not exist': { stack: 'heroku-23' },
  'a script Heroku does not run': { scripts: { predeploy: 'x' } },
  'a buildpack without a url': { buildpacks: [{ name: 'heroku/nodejs' }] },
};

for (const [what, change] of Object.entries(BROKEN)) {
  test(`both refuse ${what}`, () => {
    const broken = { ...appJson, ...change };
    assert.notDeepEqual(schemaProblems(schema, broken), [], 'the published schema accepts it');
    assert.notDeepEqual(appJsonProblems(broken), [], 'the zod check accepts it');
  });
}
