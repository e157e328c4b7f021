// Decks quote code from the generated steps: a quote that no longer matches the code fails the build; every
// slide must fit a 1280×720 and a 1920×1080 window with readable code.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { buildSlides, expandedDecks, findBrowser } from '../../tools/slides/build.ts';
import { MAX_EXCERPT_LINES } from '../../tools/slides/excerpts.ts';
import {
  faultsOf,
  MARGIN,
  measureBuiltDecks,
  MIN_CODE_PX,
  type SlideFit,
} from '../../tools/slides/fit.ts';
import { readWorkingTree, type Tree } from '../../tools/workshop/source.ts';
import { browserSkipReason, launchChromium } from '../support/browser.ts';
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

  const withCode = (code: string, deck: string) =>
    treeOf({ ...FILES, 'src/serve.ts': code, 'slides/01-hello.md': deck });
  const SERVE = [
    "import { hello } from './hello.ts';",
    '',
    '// Answers every request.',
    'export function serve(port: number) {',
    '  const name = String(port);',
    '  /** Says hello, then stops. */',
    '  const stop = () => {',
    '    const name = hello(String(port));',
    '    return name;',
    '  };',
    '  return { name, stop };',
    '}',
    '',
    '// A blank line parts this comment from the object.',
    '',
    'export const repo = {',
    '  find(id: string) {',
    '    return id;',
    '  },',
    '};',
    '',
  ].join('\n');

  test('a named declaration is quoted whole, with the comments directly above it, dedented', () => {
    const deck = [
      '<!-- excerpt: src/serve.ts::serve.stop -->',
      '<!-- excerpt: src/serve.ts::repo.find -->',
      '<!-- excerpt: src/serve.ts::repo -->',
      '<!-- excerpt: src/greeter.ts::greet (step 2) -->',
      '',
    ].join('\n');
    const [stop, find, repo, greet] = expandedDecks(withCode(SERVE, deck))
      .get('01-hello.md')!
      .split(/\n(?=```ts)/);
    assert.equal(
      stop,
      [
        '```ts',
        '/** Says hello, then stops. */',
        'const stop = () => {',
        '  const name = hello(String(port));',
        '  return name;',
        '};',
        '```',
      ].join('\n'),
    );
    assert.equal(find, '```ts\nfind(id: string) {\n  return id;\n},\n```');
    assert.match(
      repo!,
      /^```ts\nexport const repo = \{\n/,
      'a comment past a blank line is left out',
    );
    assert.match(greet!, /^```ts\nexport const greet = \(name: string\) =>/);
  });

  test('a named function that is returned is quoted with its return and the comments above it', () => {
    const code = [
      'export function guard(allowed: boolean) {',
      '  const why = "not allowed";',
      '  // Refuses what is not allowed.',
      '  return function check(next: () => void) {',
      '    if (!allowed) throw new Error(why);',
      '    next();',
      '  };',
      '}',
      '',
    ].join('\n');
    const deck = '<!-- excerpt: src/serve.ts::guard.check -->\n';
    assert.equal(
      expandedDecks(withCode(code, deck)).get('01-hello.md'),
      [
        '```ts',
        '// Refuses what is not allowed.',
        'return function check(next: () => void) {',
        '  if (!allowed) throw new Error(why);',
        '  next();',
        '};',
        '```',
        '',
      ].join('\n'),
    );
    assert.throws(
      () => expandedDecks(withCode(code, '<!-- excerpt: src/serve.ts::guard.guard -->\n')),
      /no declaration "guard" in guard \(declarations there: why, check\)/,
    );
  });

  test('a declaration that is not there fails the build with deck, line, file, name and what is there', () => {
    assert.throws(
      () => expandedDecks(withCode(SERVE, '\n<!-- excerpt: src/serve.ts::serve.start -->\n')),
      /^ExcerptError: slides\/01-hello\.md:2: excerpt src\/serve\.ts::serve\.start: step 1's src\/serve\.ts: no declaration "start" in serve \(declarations there: name, stop\)$/,
    );
    assert.throws(
      () => expandedDecks(withCode(SERVE, '<!-- excerpt: src/serve.ts::stop -->\n')),
      /src\/serve\.ts: no declaration "stop" at its top level \(declarations there: serve, repo\)/,
    );
    assert.throws(
      () => expandedDecks(withCode(SERVE, '<!-- excerpt: run.sh::main -->\n')),
      /excerpt run\.sh::main: .*only TypeScript and JavaScript files have declarations/,
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

describe(
  'every slide fits a 1280×720 and a 1920×1080 window',
  { skip: browserSkipReason() },
  () => {
    let browser: Browser;
    before(async () => {
      browser = await launchChromium();
    });
    after(() => browser?.close());

    const at = (fits: SlideFit[], slide: number, height: number) =>
      fits.find((f) => f.deck === '01-hello' && f.slide === slide && f.viewport.height === height)!;

    test(`a slide that runs into the bottom ${MARGIN} px, or draws code under ${MIN_CODE_PX} px, is caught at both sizes`, async () => {
      const wide = `const wide = '${'x'.repeat(160)}';`;
      const deck = [
        '---',
        'marp: true',
        'paginate: true',
        'style: |',
        '  section.small { font-size: 24px; }',
        '  section.code pre { font-size: 0.52em; }',
        '---',
        '',
        '# Fits',
        '',
        '<!-- excerpt: src/main.ts#main -->',
        '',
        '---',
        '',
        '## Runs past the bottom',
        '',
        ...Array.from({ length: 11 }, (_, i) => `- point ${i + 1}`),
        '',
        '---',
        '',
        '<!-- _class: small code -->',
        '',
        '## Code on a small slide',
        '',
        '```ts',
        'const small = true;',
        '```',
        '',
        '---',
        '',
        '## A line too wide, shrunk by Marp',
        '',
        '```ts',
        wide,
        '```',
        '',
      ].join('\n');
      const out = mkdtempSync(path.join(tmpdir(), 'slides-fit-'));
      await buildSlides(withDeck(deck), { outDir: out, pdf: false, log: () => {} });
      const fits = (await measureBuiltDecks(browser, out)).filter((f) => f.deck === '01-hello');
      assert.equal(fits.length, 8, 'four slides, each at two sizes');

      for (const height of [720, 1080]) {
        assert.deepEqual(faultsOf(at(fits, 1, height)), [], `slide 1 fits at ${height}`);
        const tall = faultsOf(at(fits, 2, height));
        assert.equal(tall.length, 1, tall.join('\n'));
        assert.match(
          tall[0]!,
          /01-hello slide 2 \("Runs past the bottom"\) at \d+×\d+: content ends at/,
        );
        assert.match(faultsOf(at(fits, 3, height)).join('\n'), /slide 3 .*code is drawn at/);
        assert.match(faultsOf(at(fits, 4, height)).join('\n'), /slide 4 .*code is drawn at/);
      }
      // Marp draws a fixed 1280×720 slide scaled to the window: the same slide, half as large again.
      for (const slide of [1, 2, 3, 4]) {
        const [small, large] = [at(fits, slide, 720), at(fits, slide, 1080)];
        assert.ok(
          Math.abs(large.bottom - 1.5 * small.bottom) < 1,
          `slide ${slide}'s bottom scales`,
        );
      }
      assert.ok(Math.abs(at(fits, 3, 720).codePx! - 24 * 0.52) < 0.1, 'small + code is 12.5 px');
      assert.ok(Math.abs(at(fits, 3, 1080).codePx! - 1.5 * 24 * 0.52) < 0.1);
      assert.ok(at(fits, 1, 720).codePx! >= MIN_CODE_PX);
    });

    test(`every slide of this kit's decks ends ${MARGIN} px above the bottom edge (${MARGIN * 1.5} at 1080p) and draws code at ${MIN_CODE_PX} px or more (${MIN_CODE_PX * 1.5} at 1080p)`, async () => {
      const out = mkdtempSync(path.join(tmpdir(), 'slides-kit-'));
      const decks = await buildSlides(readWorkingTree(path.resolve(import.meta.dirname, '../..')), {
        outDir: out,
        pdf: false,
        log: () => {},
      });
      const fits = await measureBuiltDecks(browser, out);
      assert.equal(new Set(fits.map((f) => f.deck)).size, decks.length, 'every deck was measured');
      assert.ok(
        fits.some((f) => f.viewport.height === 720) && fits.some((f) => f.viewport.height === 1080),
      );
      assert.deepEqual(fits.flatMap(faultsOf), []);
    });
  },
);
