// The maintenance and error pages that Heroku's router shows inside a frame, from a public place apart
// from the app: each must stand alone, since the app (and its /assets) may be the thing that is down.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(import.meta.dirname, '../..');
const pages = ['maintenance.html', 'error.html'].map((name) => ({
  name,
  text: readFileSync(path.join(root, 'public/platform', name), 'utf8'),
}));

for (const { name, text } of pages) {
  test(`${name} loads nothing from elsewhere: no script, no linked asset, no font or image URL`, () => {
    assert.doesNotMatch(text, /<script|<link|<img|<iframe/i);
    assert.doesNotMatch(text, /\b(src|href)\s*=/i);
    assert.doesNotMatch(text, /url\(|@import/i);
  });

  test(`${name} is a whole page that search engines leave out and that does not break out of its frame`, () => {
    assert.match(text, /^<!doctype html>/i);
    assert.match(text, /<html lang="en">/);
    assert.match(text, /<title>[^<]+<\/title>/);
    assert.match(text, /<meta name="robots" content="noindex" \/>/);
    // The router frames it: a page that replaced window.top would leave the app's address.
    assert.doesNotMatch(text, /top\.location|frame-ancestors/i);
    assert.ok(Buffer.byteLength(text) < 16_384, `${name} is ${Buffer.byteLength(text)} bytes`);
  });
}

test('the two pages say different things', () => {
  const titles = pages.map(({ text }) => /<title>([^<]+)<\/title>/.exec(text)?.[1]);
  assert.equal(new Set(titles).size, pages.length);
});
