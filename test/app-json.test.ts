// app.json as the Heroku Button, review apps and Heroku CI read it: known keys only, every process type
// sized, every variable described and documented in .env.example.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

interface AppJson {
  name: string;
  description: string;
  repository: string;
  keywords: string[];
  stack: string;
  buildpacks?: Array<{ url: string }>;
  env?: Record<
    string,
    { description?: string; value?: string; generator?: string; required?: boolean }
  >;
  formation?: Record<string, { quantity: number; size: string }>;
  addons?: Array<string | { plan: string; as?: string }>;
}

const appJson = JSON.parse(readFileSync('app.json', 'utf8')) as AppJson;
const procfileTypes = [...readFileSync('Procfile', 'utf8').matchAll(/^([\w-]+):/gm)].map(
  (m) => m[1]!,
);
const documented = new Set(
  [...readFileSync('.env.example', 'utf8').matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!),
);
const KNOWN_KEYS = [
  'name',
  'description',
  'keywords',
  'repository',
  'website',
  'logo',
  'success_url',
  'stack',
  'env',
  'formation',
  'addons',
  'buildpacks',
  'scripts',
  'environments',
];

test('uses only keys Heroku knows, with a name of at most 30 characters and the heroku-24 stack', () => {
  for (const key of Object.keys(appJson)) assert.ok(KNOWN_KEYS.includes(key), `unknown key ${key}`);
  assert.ok(appJson.name.length > 0 && appJson.name.length <= 30, appJson.name);
  assert.ok(appJson.description.length > 0);
  assert.match(appJson.repository, /^https:\/\//);
  assert.ok(Array.isArray(appJson.keywords) && appJson.keywords.length > 0);
  assert.equal(appJson.stack, 'heroku-24');
  assert.deepEqual(appJson.buildpacks, [{ url: 'heroku/nodejs' }]);
});

test('every process type of the Procfile but release has a formation entry, and nothing else does', () => {
  const types = procfileTypes.filter((t) => t !== 'release').sort();
  assert.deepEqual(Object.keys(appJson.formation ?? {}).sort(), types);
  for (const [type, { quantity, size }] of Object.entries(appJson.formation ?? {})) {
    assert.ok(Number.isInteger(quantity) && quantity >= 0, type);
    assert.match(size, /^(eco|basic|standard-1x|standard-2x|performance-m|performance-l)$/, type);
  }
});

test('every variable is described and documented in .env.example; an optional one says so', () => {
  for (const [name, spec] of Object.entries(appJson.env ?? {})) {
    assert.ok(spec.description && spec.description.length > 10, `${name} needs a description`);
    // A variable the person deploying may leave empty says what happens then.
    if (spec.required === false && spec.value === undefined) {
      assert.match(spec.description, /optional|unset|none/i, `${name} says it is optional`);
    }
    if (spec.generator !== undefined) assert.equal(spec.generator, 'secret', name);
    assert.ok(documented.has(name), `${name} is missing from .env.example`);
  }
});

test('add-ons name a plan as service:plan', () => {
  for (const addon of appJson.addons ?? []) {
    const plan = typeof addon === 'string' ? addon : addon.plan;
    assert.match(plan, /^[a-z0-9-]+:[a-z0-9-]+$/, plan);
  }
});
