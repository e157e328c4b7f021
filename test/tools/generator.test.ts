// The step generator on a three-step fixture: what each step holds, marker errors, determinism.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { buildWorkshop } from '../../tools/workshop/build.ts';
import { generate, type StepTree } from '../../tools/workshop/generate.ts';
import {
  DEFAULT_AUTHOR,
  DEFAULT_EPOCH,
  tagShas,
  writeRepository,
} from '../../tools/workshop/git-writer.ts';
import { withoutKeys } from '../../tools/workshop/json-keys.ts';
import { readCommit, type Tree } from '../../tools/workshop/source.ts';
import { FILES, fixtureRepo, git } from './fixture.ts';

const treeOf = (files: Record<string, string>): Tree =>
  new Map(Object.entries(files).map(([p, c]) => [p, { mode: '100644', content: Buffer.from(c) }]));
const text = (step: StepTree, file: string) => step.files.get(file)?.content.toString('utf8');
const steps = generate(treeOf(FILES)).steps;
const [one, two, three] = steps as [StepTree, StepTree, StepTree];

describe('what each step holds', () => {
  test('a file assigned to step 2 is absent in step 1 and present from step 2', () => {
    assert.equal(one.files.has('src/greeter.ts'), false);
    assert.equal(text(two, 'src/greeter.ts'), FILES['src/greeter.ts']);
    assert.equal(text(three, 'src/greeter.ts'), FILES['src/greeter.ts']);
  });

  test('a file that lives in steps 1–2 is removed in step 3', () => {
    assert.ok(one.files.has('src/legacy.ts'));
    assert.ok(two.files.has('src/legacy.ts'));
    assert.equal(three.files.has('src/legacy.ts'), false);
  });

  test('a region of steps 1–2 is uncommented there and replaced in step 3', () => {
    assert.equal(
      text(one, 'src/main.ts'),
      "import { hello } from './hello.ts';\n\nconsole.log(hello('world'));\n",
    );
    assert.equal(
      text(two, 'src/main.ts'),
      "import { hello } from './hello.ts';\nimport { greet } from './greeter.ts';\n\nconsole.log(hello('world'));\n",
    );
    assert.equal(
      text(three, 'src/main.ts'),
      "import { hello } from './hello.ts';\nimport { greet } from './greeter.ts';\n\nconsole.log(greet('world'));\n",
    );
  });

  test('a named region is recorded per step for the decks, without its markers', () => {
    assert.equal(one.regions.get('src/main.ts')?.get('main'), "console.log(hello('world'));");
    assert.equal(three.regions.get('src/main.ts')?.get('main'), "console.log(greet('world'));");
  });

  test('a JSON key assigned to step 3 appears in step 3 only; a source-only key never', () => {
    const pkg = (step: StepTree) =>
      JSON.parse(text(step, 'package.json')!) as Record<string, Record<string, string>>;
    assert.equal(pkg(one).dependencies?.['is-number'], undefined);
    assert.equal(pkg(two).dependencies?.['is-number'], undefined);
    assert.equal(pkg(three).dependencies?.['is-number'], '7.0.0');
    for (const step of steps) assert.deepEqual(pkg(step).scripts, { start: 'node src/main.ts' });
  });

  test('source-only and base files stay out of the step trees', () => {
    for (const step of steps) {
      for (const file of step.files.keys()) {
        assert.doesNotMatch(file, /^(tools|docs|slides)\/|^steps\/steps\.json$/, file);
      }
    }
  });

  test('no marker text reaches any step', () => {
    for (const step of steps) {
      for (const [file, { content }] of step.files) {
        assert.doesNotMatch(
          content.toString('utf8'),
          /@step|@end|\/\/~|#region|#endregion/,
          `${file} in step ${step.number}`,
        );
      }
    }
  });
});

describe('marker errors name the file and line', () => {
  const withMain = (main: string) => treeOf({ ...FILES, 'src/main.ts': main });
  const cases: Array<[string, string, RegExp]> = [
    [
      'an @step block never closed',
      'a();\n// @step 2+\nb();\n',
      /src\/main\.ts:2: @step block is never closed/,
    ],
    [
      'an @end with no block',
      'a();\n// @end\n',
      /src\/main\.ts:2: @end without an open @step block/,
    ],
    [
      'an unknown range',
      '// @step two+\nb();\n// @end\n',
      /src\/main\.ts:1: unknown marker "@step two\+"/,
    ],
    [
      'a misspelled marker',
      'a();\n\n// @steps 2+\n',
      /src\/main\.ts:3: unknown marker: \/\/ @steps 2\+/,
    ],
    [
      'a step that does not exist',
      '// @step 4+\nb();\n// @end\n',
      /src\/main\.ts:1: step 4 does not exist/,
    ],
    [
      'an uncommented body in a block that ends early',
      '// @step 1-2\nb();\n// @end\n',
      /src\/main\.ts:2: .*must start with "\/\/~ "/,
    ],
    [
      'a commented line outside such a block',
      'a();\n//~ b();\n',
      /src\/main\.ts:2: "\/\/~" is only allowed/,
    ],
    [
      'a trailing range marker',
      'b(); // @step 1-2\n',
      /src\/main\.ts:1: a marker at the end of a line takes "N\+" only/,
    ],
    [
      'a widening nested block',
      '// @step 2+\n// @step 1+\na();\n// @end\n// @end\n',
      /src\/main\.ts:2: a nested @step block must narrow/,
    ],
    ['an unclosed region', '// #region x\na();\n', /src\/main\.ts:1: region "x" is never closed/],
  ];
  for (const [name, main, expected] of cases) {
    test(`rejects ${name}`, () => {
      assert.throws(() => generate(withMain(main)), expected);
    });
  }

  test('rejects a JSON key path that matches nothing', () => {
    const manifest = JSON.parse(FILES['steps/steps.json']!) as {
      json: Record<string, Record<string, unknown>>;
    };
    manifest.json['package.json']!['/dependencies/left-pad'] = 2;
    const tree = treeOf({ ...FILES, 'steps/steps.json': JSON.stringify(manifest) });
    assert.throws(() => generate(tree), /package\.json \/dependencies\/left-pad: matches nothing/);
  });
});

describe('the workshop repository', () => {
  const source = fixtureRepo();
  const build = async (out: string) => {
    const { commits } = await buildWorkshop(readCommit(source));
    writeRepository(out, commits, { author: DEFAULT_AUTHOR, epoch: DEFAULT_EPOCH, force: true });
    return tagShas(out);
  };
  const outA = mkdtempSync(path.join(tmpdir(), 'workshop-a-'));
  const outB = mkdtempSync(path.join(tmpdir(), 'workshop-b-'));

  test('two runs give identical SHAs for every tag', async () => {
    const a = await build(outA);
    const b = await build(outB);
    assert.deepEqual([...a.keys()].sort(), [
      'refs/heads/main',
      'refs/tags/step-1',
      'refs/tags/step-2',
      'refs/tags/step-3',
    ]);
    assert.deepEqual(a, b);
  });

  test('the history is linear: base commit, then "Step N: Title", main at the last step', () => {
    assert.deepEqual(git(outA, 'log', '--format=%s', 'main').split('\n').reverse(), [
      'Workshop materials: guides and slides',
      'Step 1: Hello',
      'Step 2: A greeter module',
      'Step 3: Farewell',
    ]);
    assert.equal(git(outA, 'rev-parse', 'main'), git(outA, 'rev-parse', 'step-3'));
    assert.equal(git(outA, 'status', '--porcelain'), '', 'main is checked out cleanly');
  });

  test('base material is in every commit, renamed, with deck excerpts filled in per step', () => {
    assert.equal(git(outA, 'show', 'step-1:guides/01-hello.md'), '# Hello');
    assert.match(
      git(outA, 'show', 'step-1:slides/01-hello.md'),
      /```ts\nconsole\.log\(hello\('world'\)\);\n```/,
    );
    assert.match(
      git(outA, 'show', 'step-1:slides/03-farewell.md'),
      /console\.log\(greet\('world'\)\);/,
    );
    assert.equal(
      git(outA, 'ls-tree', '-r', '--name-only', 'main~3'),
      'guides/01-hello.md\nslides/01-hello.md\nslides/03-farewell.md',
    );
  });

  test('a step diff shows only what the step adds', () => {
    assert.deepEqual(git(outA, 'diff', '--name-only', 'step-1', 'step-2').split('\n'), [
      'src/greeter.ts',
      'src/main.ts',
    ]);
    assert.deepEqual(git(outA, 'diff', '--name-only', 'step-2', 'step-3').split('\n'), [
      'package-lock.json',
      'package.json',
      'src/legacy.ts',
      'src/main.ts',
    ]);
  });

  test('file modes are kept: an executable stays executable', () => {
    assert.match(git(outA, 'ls-tree', 'step-1', 'run.sh'), /^100755 /);
  });

  test('only committed content is used: a working-tree edit changes nothing', async () => {
    const before = tagShas(outA);
    writeFileSync(path.join(source, 'src/hello.ts'), 'export const hello = () => "edited";\n');
    const after = await build(mkdtempSync(path.join(tmpdir(), 'workshop-c-')));
    assert.deepEqual(after, before);
  });

  test("a step's lockfile keeps the source's versions and npm ci accepts it", () => {
    const lock = JSON.parse(git(outA, 'show', 'step-3:package-lock.json')) as {
      packages: Record<string, { version?: string }>;
    };
    assert.equal(lock.packages['node_modules/is-number']?.version, '7.0.0');
    const stepOneLock = JSON.parse(git(outA, 'show', 'step-1:package-lock.json')) as {
      packages: Record<string, unknown>;
    };
    assert.equal(
      stepOneLock.packages['node_modules/is-number'],
      undefined,
      'step 1 does not use is-number',
    );

    const checkout = mkdtempSync(path.join(tmpdir(), 'workshop-ci-'));
    execFileSync('sh', ['-c', `git -C ${outA} archive step-3 | tar -x -C ${checkout}`]);
    execFileSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: checkout,
      stdio: 'pipe',
    });
    const installed = JSON.parse(
      readFileSync(path.join(checkout, 'node_modules/is-number/package.json'), 'utf8'),
    ) as { version: string };
    assert.equal(installed.version, '7.0.0');
  });
});

describe('blank lines around a removed block', () => {
  const stepOf = (main: string, step: number) =>
    generate(treeOf({ ...FILES, 'src/main.ts': main }))
      .steps[step - 1]!.files.get('src/main.ts')!
      .content.toString('utf8');

  test('are not doubled where the block was', () => {
    const main = 'a();\n\n// @step 2+\nb();\n// @end\n\nc();\n';
    assert.equal(stepOf(main, 1), 'a();\n\nc();\n');
    assert.equal(stepOf(main, 2), 'a();\n\nb();\n\nc();\n');
  });

  test('do not follow an opening bracket', () => {
    const main = 'function f() {\n  // @step 3+\n  b();\n  // @end\n\n  c();\n}\n';
    assert.equal(stepOf(main, 1), 'function f() {\n  c();\n}\n');
    assert.equal(stepOf(main, 3), 'function f() {\n  b();\n\n  c();\n}\n');
  });

  test('a list whose every entry is removed closes on its opening line', () => {
    const main =
      'const list = {\n  a, // @step 2+\n  b, // @step 3+\n};\nf(\n  // @step 3+\n  x,\n  // @end\n);\n';
    assert.equal(stepOf(main, 1), 'const list = {};\nf();\n');
    assert.equal(stepOf(main, 2), 'const list = {\n  a,\n};\nf();\n');
    assert.equal(stepOf(main, 3), 'const list = {\n  a,\n  b,\n};\nf(\n  x,\n);\n');
  });

  test('a removed one-line marker counts as a removed block', () => {
    const main = 'a();\n\nb(); // @step 2+\n\nc();\n';
    assert.equal(stepOf(main, 1), 'a();\n\nc();\n');
  });
});

test('marker lines between blank lines leave one blank line', () => {
  const main = '// @step 2+\na();\n// @end\n\n// @step 3+\n\nb();\n// @end\n';
  const step3 = generate(treeOf({ ...FILES, 'src/main.ts': main })).steps[2]!;
  assert.equal(step3.files.get('src/main.ts')!.content.toString('utf8'), 'a();\n\nb();\n');
});

test('--repository sets app.json’s repository in every step, for the Heroku Button', async () => {
  const files = {
    ...FILES,
    'app.json': `${JSON.stringify({ name: 'x', repository: 'https://example.com/placeholder' }, null, 2)}\n`,
  };
  const { commits } = await buildWorkshop(treeOf(files), {
    repository: 'https://example.com/acme/workshop',
  });
  for (const commit of commits.slice(1)) {
    const appJson = JSON.parse(commit.tree.get('app.json')!.content.toString('utf8')) as {
      repository: string;
    };
    assert.equal(appJson.repository, 'https://example.com/acme/workshop');
  }
});

test('several elements of one array leave an earlier step, whatever their order in the manifest', () => {
  const addons = [{ plan: 'db:one' }, { plan: 'mail:two' }, { plan: 'files:three' }, 'cache:four'];
  const kept = withoutKeys('app.json', { addons }, [
    '/addons/mail:two',
    '/addons/cache:four',
    '/addons/files:three',
  ]);
  assert.deepEqual(kept, { addons: [{ plan: 'db:one' }] });
  assert.deepEqual(
    withoutKeys('app.json', { env: { A: 1 }, addons }, [
      '/addons/mail:two',
      '/env/A',
      '/addons/files:three',
    ]),
    { env: {}, addons: [{ plan: 'db:one' }, 'cache:four'] },
  );
});
