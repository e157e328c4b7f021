// A small three-step source in a temporary git repository, for the generator's tests.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const MANIFEST = {
  steps: [
    { slug: 'hello', title: 'Hello' },
    { slug: 'greeter', title: 'A greeter module' },
    { slug: 'farewell', title: 'Farewell' },
  ],
  files: {
    'src/greeter.ts': 2,
    'src/legacy.ts': { since: 1, until: 2 },
    'tools/**': 'source',
    'docs/**': 'base',
    'slides/**': 'base',
  },
  json: {
    'package.json': { '/dependencies/is-number': 3, '/scripts/tool': 'source' },
  },
  rename: { 'docs/': 'guides/' },
};

export const FILES: Record<string, string> = {
  'steps/steps.json': `${JSON.stringify(MANIFEST, null, 2)}\n`,
  'package.json': `${JSON.stringify(
    {
      name: 'fixture',
      version: '1.0.0',
      private: true,
      scripts: { start: 'node src/main.ts', tool: 'node tools/tool.ts' },
      dependencies: { 'is-number': '7.0.0' },
    },
    null,
    2,
  )}\n`,
  'src/main.ts': [
    "import { hello } from './hello.ts';",
    "import { greet } from './greeter.ts'; // @step 2+",
    '',
    '// #region main',
    '// @step 1-2',
    "//~ console.log(hello('world'));",
    '// @end',
    '// @step 3+',
    "console.log(greet('world'));",
    '// @end',
    '// #endregion',
    '',
  ].join('\n'),
  'src/hello.ts': 'export const hello = (name: string) => `hello ${name}`;\n',
  'src/greeter.ts': 'export const greet = (name: string) => `greetings, ${name}`;\n',
  'src/legacy.ts': 'export const legacy = true;\n',
  'tools/tool.ts': "console.log('source only');\n",
  'docs/01-hello.md': '# Hello\n',
  'slides/01-hello.md': '# Hello\n\n<!-- excerpt: src/main.ts#main -->\n',
  'slides/03-farewell.md': '# Farewell\n\n<!-- excerpt: src/main.ts#main -->\n',
  'run.sh': '#!/bin/sh\necho run\n',
};

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
}

/** Writes `files` into a new git repository and commits them; returns its folder. */
export function fixtureRepo(files: Record<string, string> = FILES): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixture-source-'));
  git(dir, 'init', '--quiet', '--initial-branch=main');
  git(dir, 'config', 'user.email', 'test@example.invalid');
  git(dir, 'config', 'user.name', 'Test');
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  if (files['run.sh']) chmodSync(path.join(dir, 'run.sh'), 0o755);
  // The source's full lockfile, from which each step's is derived.
  writeFileSync(path.join(dir, '.npmrc'), 'omit-lockfile-registry-resolved=true\n');
  execFileSync(
    'npm',
    ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'],
    {
      cwd: dir,
      stdio: 'pipe',
    },
  );
  git(dir, 'add', '-A');
  git(dir, 'commit', '--quiet', '-m', 'fixture');
  return dir;
}
