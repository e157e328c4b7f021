// Which step a file belongs to when several patterns of the manifest match it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generate } from '../../tools/workshop/generate.ts';
import { parseManifest, ruleFor, specificity } from '../../tools/workshop/manifest.ts';
import type { Tree } from '../../tools/workshop/source.ts';
import { FILES, MANIFEST } from './fixture.ts';

const treeOf = (files: Record<string, string>): Tree =>
  new Map(Object.entries(files).map(([p, c]) => [p, { mode: '100644', content: Buffer.from(c) }]));
const manifestWith = (files: Record<string, unknown>) =>
  parseManifest(JSON.stringify({ ...MANIFEST, files }));

describe('the most specific pattern decides', () => {
  test('an exact path beats every glob, and a longer literal prefix beats a shorter one', () => {
    assert.equal(specificity('src/greeter.ts'), Infinity);
    assert.ok(specificity('src/deep/**') > specificity('src/**'));
    assert.ok(specificity('src/**') > specificity('**/*.ts'));
    assert.equal(specificity('src/*.ts'), specificity('src/**'));
  });

  test('a broad glob added last does not move a file that a specific entry assigns', () => {
    const manifest = manifestWith({
      'src/greeter.ts': 2,
      'src/deep/**': 2,
      'src/**': 3,
    });
    assert.equal(ruleFor(manifest, 'src/greeter.ts'), 2);
    assert.equal(ruleFor(manifest, 'src/deep/a/b.ts'), 2);
    assert.equal(ruleFor(manifest, 'src/other.ts'), 3);
    assert.equal(ruleFor(manifest, 'docs/unlisted.md'), 1);
  });

  test('in a generated step too: the fixture with a broad glob appended keeps greeter in step 2', () => {
    const manifest = { ...MANIFEST, files: { ...MANIFEST.files, 'src/**': 3 } };
    const { steps } = generate(treeOf({ ...FILES, 'steps/steps.json': JSON.stringify(manifest) }));
    assert.ok(steps[1]!.files.has('src/greeter.ts'), 'step 2 has the file its entry assigns');
    assert.equal(steps[1]!.files.has('src/hello.ts'), false, 'src/** moves the unlisted file');
    assert.ok(steps[2]!.files.has('src/hello.ts'));
  });

  test('two equally specific globs that assign different steps are an error naming both and a file', () => {
    const manifest = manifestWith({ 'src/*.ts': 2, 'src/**': 3 });
    assert.throws(
      () => ruleFor(manifest, 'src/main.ts'),
      (err: Error) => {
        assert.equal(err.name, 'ManifestError');
        assert.match(
          err.message,
          /^steps\/steps\.json: files\["src\/\*\.ts"\] and files\["src\/\*\*"\] are equally specific and both match src\/main\.ts, but assign 2 and 3/,
        );
        return true;
      },
    );
    assert.throws(
      () => generate(treeOf({ ...FILES, 'steps/steps.json': JSON.stringify(manifest) })),
      /files\["src\/\*\.ts"\] and files\["src\/\*\*"\]/,
    );
  });

  test('equally specific globs that agree are fine, and a more specific entry settles a conflict', () => {
    assert.equal(ruleFor(manifestWith({ 'src/*.ts': 2, 'src/**': 2 }), 'src/main.ts'), 2);
    const settled = manifestWith({ 'src/*.ts': 2, 'src/**': 3, 'src/main.ts': 3 });
    assert.equal(ruleFor(settled, 'src/main.ts'), 3);
    assert.throws(() => ruleFor(settled, 'src/hello.ts'), /both match src\/hello\.ts/);
  });
});
