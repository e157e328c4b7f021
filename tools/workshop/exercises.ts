// Does each step's exercise as an attendee would, from its reference solution in steps/solutions/: on a
// clone of the workshop, check out the step, apply the solution on a branch, typecheck it, lint what it
// touches, run the tests it adds or changes, start `npm run dev` over the local data, then check out the
// next step and start it there too, after `npm run db:reset` when the launcher asks for it.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/dev/index.ts';
import { runQuiet, spawnGroup } from './verify.ts';

export interface Solution {
  step: number;
  /** The file in steps/solutions/, for messages. */
  file: string;
  patch: Buffer;
}

export interface ExerciseOptions {
  /** Environment for the tests (TEST_DATABASE_URL, say); `npm run dev` gets none of the service URLs. */
  env?: Record<string, string>;
  keep?: boolean;
  log: (line: string) => void;
}

const SOLUTION = /^steps\/solutions\/(\d+)-[\w-]+\.patch$/;

/** The solutions in a source tree, by the step they belong to. */
export function solutionsIn(paths: Iterable<[string, Buffer]>): Solution[] {
  const solutions: Solution[] = [];
  for (const [file, patch] of paths) {
    const match = SOLUTION.exec(file);
    if (match) solutions.push({ step: Number(match[1]), file, patch });
  }
  return solutions.sort((a, b) => a.step - b.step);
}

// What the launcher prints when web answers, and the one line it gives for a database migrated elsewhere.
const READY = /^dev +\| ready in \d+ ms/m;
const STOPPED = /^dev +\| stopped$/m;
const RESET_ADVICE = /^dev +\| .*run npm run db:reset, then npm run dev$/m;

export async function walkExercises(
  repoDir: string,
  solutions: readonly Solution[],
  lastStep: number,
  options: ExerciseOptions,
) {
  const dir = await mkdtemp(path.join(tmpdir(), 'exercises-'));
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  const results: Array<{ step: number; seconds: number; reset: boolean }> = [];
  try {
    execFileSync('git', ['clone', '--quiet', repoDir, dir]);
    git('config', 'user.email', 'attendee@example.com');
    git('config', 'user.name', 'Attendee');
    for (const solution of solutions) {
      const started = performance.now();
      const tag = `step-${solution.step}`;
      const say = (line: string) => options.log(`${tag} exercise: ${line}`);
      const testEnv = { ...process.env, ...options.env, NODE_ENV: 'test', CI: 'true' };
      const run = async (label: string, command: string, args: string[]) => {
        const t = performance.now();
        await runQuiet(command, args, dir, testEnv, `${tag} exercise: ${label}`);
        say(`${label} ok (${((performance.now() - t) / 1000).toFixed(1)} s)`);
      };

      git('checkout', '--quiet', tag);
      await run('npm install', 'npm', ['install', '--no-audit', '--no-fund']);
      git('switch', '--quiet', '-c', `exercise-${solution.step}`);
      const patchFile = path.join(dir, '.git', 'solution.patch');
      await writeFile(patchFile, solution.patch);
      try {
        git('apply', '--index', patchFile);
      } catch (err) {
        throw new Error(
          `${solution.file} no longer applies to ${tag}: redo the exercise on a fresh ${tag} and save ` +
            `its diff there (git diff --cached > ${solution.file}).\n${String((err as { stderr?: unknown }).stderr ?? err)}`,
          { cause: err },
        );
      }
      git('commit', '--quiet', '-m', `Exercise of ${tag}`);
      say(`${solution.file} applied and committed on branch exercise-${solution.step}`);
      await run('typecheck', 'npm', ['run', '--silent', 'typecheck']);
      // The step's whole tree was linted when it was verified: what the solution touches is enough.
      const touched = git('diff', '--name-only', 'HEAD~1', 'HEAD').split('\n').filter(Boolean);
      const code = touched.filter((file) => /\.[cm]?[jt]s$/.test(file));
      if (code.length > 0)
        await run('lint (what it touches)', 'npx', [
          '--no-install',
          'eslint',
          '--no-warn-ignored',
          ...code,
        ]);
      await run('format (what it touches)', 'npx', [
        '--no-install',
        'prettier',
        '--check',
        '--ignore-unknown',
        ...touched,
      ]);
      // The step's whole suite passed in its own verification: what is new here is the solution, and
      // the tests it adds or changes are what the guide asks the attendee to run green. (A solution that
      // adds no test still gets the whole suite.)
      const tests = touched.filter((file) => /^test\/.*\.test\.ts$/.test(file));
      if (tests.length > 0) await run('test (its tests)', 'node', ['--test', ...tests]);
      else await run('test', 'npm', ['test']);
      await startDev(dir, say);

      let reset = false;
      if (solution.step < lastStep) {
        const next = `step-${solution.step + 1}`;
        git('checkout', '--quiet', next);
        say(`checked out ${next} over the exercise's local data`);
        await run(`npm install (${next})`, 'npm', ['install', '--no-audit', '--no-fund']);
        reset = (await startDev(dir, say, { resetAllowed: true })) === 'reset';
      }
      const seconds = (performance.now() - started) / 1000;
      say(`done in ${seconds.toFixed(1)} s`);
      results.push({ step: solution.step, seconds, reset });
    }
  } finally {
    if (!options.keep) await rm(dir, { recursive: true, force: true });
    else options.log(`exercises: kept ${dir}`);
  }
  return results;
}

/**
 * Runs `npm run dev` as an attendee does, with no service URL set, until web is ready, then Ctrl-C.
 * With `resetAllowed`, the one-line advice to run `npm run db:reset` counts as an answer: it is
 * followed, and `npm run dev` must then start.
 */
async function startDev(
  dir: string,
  say: (line: string) => void,
  { resetAllowed = false } = {},
): Promise<'ready' | 'reset'> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(await freePort()) };
  for (const name of ['NODE_ENV', 'DATABASE_URL', 'SMTP_URL', 'DEV_DATA_DIR', 'TEST_DATABASE_URL'])
    delete env[name];
  const dev = spawnGroup(['npm', 'run', 'dev'], dir, env);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && dev.child.exitCode === null && !READY.test(dev.output())) {
    await new Promise((r) => setTimeout(r, 200));
  }
  if (READY.test(dev.output())) {
    // Ctrl-C reaches npm and the launcher alike; npm's own exit status then varies with its version.
    const code = await dev.terminate('SIGINT');
    if (code === 'timeout' || !STOPPED.test(dev.output())) {
      throw new Error(`npm run dev did not stop cleanly after Ctrl-C:\n${dev.output()}`);
    }
    say('npm run dev started, and stopped cleanly on Ctrl-C');
    return 'ready';
  }
  await dev.terminate('SIGINT');
  if (resetAllowed && RESET_ADVICE.test(dev.output())) {
    say('npm run dev asked for npm run db:reset in one line: running it');
    await runQuiet('npm', ['run', '--silent', 'db:reset'], dir, env, 'npm run db:reset');
    await startDev(dir, say);
    return 'reset';
  }
  throw new Error(`npm run dev did not get ready within 60 s:\n${dev.output()}`);
}
