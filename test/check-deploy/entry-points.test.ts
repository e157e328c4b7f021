// The config parts check:deploy validates for each process are the ones the process validates itself: each
// entry point, started with a production config that is wrong everywhere, names the same problems.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { ENTRY_POINTS } from '../../scripts/check-deploy/entry-points.ts';
import { ROOT } from './support.ts';

const run = promisify(execFile);

/** Every variable any entry point declares, each given a value that no schema of ours accepts. */
function wrongEverywhere(): Record<string, string> {
  const env: Record<string, string> = { NODE_ENV: 'production' };
  for (const parts of Object.values(ENTRY_POINTS))
    for (const part of Object.values(parts))
      for (const name of Object.keys(part.variables)) env[name] = 'not valid';
  env.NODE_ENV = 'production';
  return env;
}

const problemNames = (lines: readonly string[]): string[] =>
  lines
    .map((line) => /^\s*(?:- )?([A-Z][A-Z0-9_]*):/.exec(line)?.[1])
    .filter((name) => name !== undefined)
    .sort();

/** What `loadConfig` says of `env` with the parts check:deploy holds for `entry`. */
function expected(entry: string, env: Record<string, string>): string[] {
  try {
    loadConfig(env, ENTRY_POINTS[entry]!);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return problemNames(err.problems);
  }
}

const PROCESSES: Array<[string, string[]]> = [
  ['worker', ['src/worker.ts']],
  ['release', ['src/migrate.ts']],
  ['telemetry preload', ['src/telemetry.ts']],
  ['job digest', ['src/job.ts', 'digest']],
  ['job prune-outbox', ['src/job.ts', 'prune-outbox']],
];

test('a config wrong everywhere stops every entry point on something', () => {
  for (const entry of Object.keys(ENTRY_POINTS))
    assert.ok(expected(entry, wrongEverywhere()).length > 0, entry);
});

for (const [entry, argv] of PROCESSES) {
  test(
    `${entry}: the process refuses the same variables as the check`,
    { timeout: 60_000 },
    async () => {
      for (const env of [wrongEverywhere(), { NODE_ENV: 'production' }]) {
        const result = await run(process.execPath, argv, {
          cwd: ROOT,
          env: { PATH: process.env.PATH ?? '', ...env },
        }).then(
          () => ({ stdout: '', stderr: '' }),
          (err: { stdout: string; stderr: string }) => err,
        );
        const printed = problemNames(
          `${result.stderr}\n${result.stdout}`.split('\n').filter((l) => /^\s+- /.test(l)),
        );
        assert.deepEqual(printed, expected(entry, env));
      }
    },
  );
}
