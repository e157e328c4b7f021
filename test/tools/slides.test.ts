// Decks quote code from the generated steps: a quote that no longer matches the code fails the build.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { buildSlides, expandedDecks, findBrowser } from '../../tools/slides/build.ts';
import { MAX_EXCERPT_LINES } from '../../tools/slides/excerpts.ts';
import { readWorkingTree, type Tree } from '../../tools/workshop/source.ts';
import { FILES } from './fixture.ts';

const treeOf = (files: Record<string, string>): Tree =>
  new Map(Object.entries(files).map(([p, c]) => [p, { mode: '100644', content: Buffer.from(c) }]));
const withDeck = (deck: string) => treeOf({ ...FILES, 'slides/01-hello.md': deck });

describe('excerpts', () => {
  test('a region is quoted as a fenced block from the deck’s own step', () => {
    const decks = expandedDecks(treeOf(FILES));
    assert.equal(decks.get('01-hello.md'), "# Hello\n\n```ts\nconsole.log(hello('world'));\n```\n");
  });

  test('a whole file can be quoted, and a deck may name another step', () => {
    const decks = expandedDecks(withDeck('<!-- excerpt: src/greeter.ts (step 2) -->\n'));
    assert.match(decks.get('01-hello.md')!, /^```ts\nexport const greet/);
  });

  test('a region that no longer exists fails the build with deck, line and the regions there are', () => {
    assert.throws(
      () => expandedDecks(withDeck('# Hello\n\n\n<!-- excerpt: src/main.ts#mian -->\n')),
      /slides\/01-hello\.md:4: excerpt src\/main\.ts#mian: .*no region "mian" \(regions there: main\)/,
    );
  });

  test('a file the step does not have fails the build', () => {
    assert.throws(
      () => expandedDecks(withDeck('<!-- excerpt: src/greeter.ts -->\n')),
      /slides\/01-hello\.md:1: excerpt src\/greeter\.ts: step 1 has no such file/,
    );
  });

  test('a malformed excerpt line fails rather than being shown as a comment', () => {
    assert.throws(
      () => expandedDecks(withDeck('<!-- excerpt src/main.ts -->\n')),
      /slides\/01-hello\.md:1: malformed excerpt/,
    );
  });

  test('an excerpt longer than a slide can show fails the build, naming deck and line', () => {
    const long = Array.from({ length: MAX_EXCERPT_LINES + 1 }, (_, i) => `line${i}();`).join('\n');
    const files = {
      ...FILES,
      'src/long.ts': `${long}\n`,
      'slides/01-hello.md': '\n<!-- excerpt: src/long.ts -->\n',
    };
    assert.throws(
      () => expandedDecks(treeOf(files)),
      /slides\/01-hello\.md:2: excerpt src\/long\.ts has 19 lines; a slide holds 18/,
    );
    const fits = { ...files, 'src/long.ts': `${long.split('\n').slice(1).join('\n')}\n` };
    assert.match(expandedDecks(treeOf(fits)).get('01-hello.md')!, /line18\(\);/);
  });

  test('every deck of this kit expands against the current steps', () => {
    const decks = expandedDecks(readWorkingTree(path.resolve(import.meta.dirname, '../..')));
    assert.ok(decks.has('00-intro.md') && decks.has('01-hello-world.md'), [...decks.keys()].join());
    for (const [name, markdown] of decks) assert.doesNotMatch(markdown, /<!--\s*excerpt/, name);
  });
});

describe('npm run slides', () => {
  test('writes a self-contained HTML file per deck and an index linking them', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'slides-out-'));
    const decks = await buildSlides(treeOf(FILES), { outDir: out, pdf: false, log: () => {} });
    assert.deepEqual(
      decks.map((d) => d.file),
      ['01-hello', '03-farewell'],
    );
    const index = readFileSync(path.join(out, 'index.html'), 'utf8');
    assert.match(index, /href="01-hello\.html"/);
    assert.match(index, /href="03-farewell\.html"/);
    const html = readFileSync(path.join(out, '01-hello.html'), 'utf8');
    const code = /<pre[^>]*>([\s\S]*?)<\/pre>/.exec(html)?.[1]?.replace(/<[^>]+>/g, '');
    assert.equal(code?.trim(), "console.log(hello('world'));".replace(/'/g, '&#x27;'));
    assert.ok(!/<link[^>]+rel="stylesheet"/.test(html), 'no external stylesheet');
    assert.equal(existsSync(path.join(out, '01-hello.pdf')), false);
  });
});

test(
  '--pdf adds a PDF per deck where Chromium is installed',
  { skip: findBrowser(process.env) ? false : 'no Chromium' },
  async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'slides-pdf-'));
    await buildSlides(treeOf(FILES), {
      outDir: out,
      pdf: true,
      browserPath: findBrowser(process.env)!,
      log: () => {},
    });
    for (const deck of ['01-hello', '03-farewell']) {
      assert.equal(
        readFileSync(path.join(out, `${deck}.pdf`))
          .subarray(0, 5)
          .toString('latin1'),
        '%PDF-',
      );
    }
    assert.match(readFileSync(path.join(out, 'index.html'), 'utf8'), /href="01-hello\.pdf"/);
  },
);
