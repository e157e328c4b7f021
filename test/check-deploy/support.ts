// A check:deploy test's world: the fake heroku first on PATH, answering for an app named demo from one of the
// recorded fixtures (good, warn, fail), and `check(...)` running the command's main() against it.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../scripts/check-deploy/main.ts';
import type { CheckResult } from '../../scripts/check-deploy/check.ts';
import {
  installFakeHeroku,
  type FakeApp,
  type FakeDyno,
  type FakeProduction,
  type FakeState,
} from '../deploy/support/fake-heroku.ts';
import { onCleanup } from '../support/cleanup.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface Fixture extends FakeProduction {
  dynos: FakeDyno[];
  config: Record<string, string>;
}

export type FixtureName = 'good' | 'warn' | 'fail';

export const fixture = (name: FixtureName): Fixture =>
  JSON.parse(
    readFileSync(path.join(import.meta.dirname, 'fixtures', `demo-${name}.json`), 'utf8'),
  ) as Fixture;

/** A copy of the files the local checks read, changed by `files` (null deletes). */
export function tree(files: Record<string, string | null> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'check-deploy-tree-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  for (const file of [
    'package.json',
    'package-lock.json',
    'Procfile',
    'app.json',
    'src/migrate.ts',
  ])
    cpSync(path.join(ROOT, file), path.join(dir, file));
  for (const [file, text] of Object.entries(files)) {
    if (text === null) rmSync(path.join(dir, file));
    else {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
  }
  return dir;
}

export interface Result {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  /** Every heroku argv run, in order. */
  readonly calls: string[][];
}

export interface Demo {
  /** The environment a child process needs to find the fake. */
  readonly env: NodeJS.ProcessEnv;
  check(argv: string[], options?: { root?: string; env?: NodeJS.ProcessEnv }): Promise<Result>;
}

/** The demo app in the fixture's state; `loggedIn: false` is a CLI without a login. */
export function demo(app: Fixture, { loggedIn = true } = {}): Demo {
  const dir = mkdtempSync(path.join(tmpdir(), 'check-deploy-test-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  installFakeHeroku(bin);
  const stateFile = path.join(dir, 'heroku-state.json');
  const logFile = path.join(dir, 'heroku-calls.jsonl');
  writeFileSync(logFile, '');
  const { dynos, config, ...production } = app;
  const fake: FakeApp = {
    id: '7c1e9a52-3f4b-4d8e-a6c2-9b0d1e2f3a4b',
    name: 'demo',
    git_url: 'https://git.heroku.com/demo.git',
    web_url: 'https://demo-7c1e9a523f4b.herokuapp.com/',
    maintenance: false,
    releases: [],
    builds: [],
    dynos,
    config,
    production,
    next: { status: 'succeeded', output: [], dynoState: 'up' },
  };
  const state: FakeState = {
    email: loggedIn ? 'dev@example.com' : null,
    apps: { demo: fake },
    slugs: {},
    pending: {},
    outputs: {},
  };
  writeFileSync(stateFile, JSON.stringify(state, null, 2));
  const env = {
    ...process.env,
    HOME: dir,
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
    FAKE_HEROKU_STATE: stateFile,
    FAKE_HEROKU_LOG: logFile,
  };
  return {
    env,
    async check(argv, options = {}) {
      let out = '';
      let err = '';
      writeFileSync(logFile, '');
      const code = await main(argv, {
        root: options.root ?? ROOT,
        env: options.env ?? env,
        stdout: (text) => (out += text),
        stderr: (text) => (err += text),
        now: () => new Date('2026-11-25T09:00:00.000Z'),
      });
      const calls = readFileSync(logFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as string[]);
      return { code, out, err, calls };
    },
  };
}

export interface JsonReport {
  app: string | null;
  config: string;
  checks: CheckResult[];
  summary: { pass: number; warn: number; fail: number };
  exitCode: number;
}

/** `check --json`'s checks by id. */
export function byId(result: Result): Record<string, CheckResult> {
  const report = JSON.parse(result.out) as JsonReport;
  return Object.fromEntries(report.checks.map((c) => [c.id, c]));
}
