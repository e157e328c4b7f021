// `npm run workshop -- --out DIR` writes the workshop repository; `npm run workshop:verify` also
// proves that every step installs, typechecks, lints, passes its tests and starts as a pruned slug.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildWorkshop } from './build.ts';
import { DEFAULT_AUTHOR, DEFAULT_EPOCH, tagShas, writeRepository } from './git-writer.ts';
import { readCommit, uncommittedPaths } from './source.ts';
import { herokuAppJsonSchema } from './app-json-schema.ts';
import { solutionsIn, walkExercises } from './exercises.ts';
import { verifyRepository } from './verify.ts';

const USAGE = `Usage:
  npm run workshop -- --out DIR [--force] [--ref REF] [--repository URL]
  npm run workshop:verify [-- --out DIR] [--step N] [--keep]

  --out DIR    where to write the workshop repository (verify: a temporary folder by default)
  --force      replace DIR if it exists
  --ref REF    the source commit to build from (default HEAD; uncommitted changes are never used)
  --repository URL  where the workshop repository will be published: app.json's repository (Heroku Button)
  --verify     after writing, run npm ci, typecheck, lint, tests and the pruned-slug check per step
  --step N     verify only step N (repeatable)
  --no-exercises  skip the exercises (each step's reference solution in steps/solutions/, applied,
               tested, then the next step started over its local data)
  --keep       keep each verified step's folder for inspection`;

const root = path.resolve(import.meta.dirname, '../..');
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
const log = (line: string) => console.log(`[workshop ${elapsed()}] ${line}`);

async function main() {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      force: { type: 'boolean', default: false },
      ref: { type: 'string', default: 'HEAD' },
      repository: { type: 'string' },
      verify: { type: 'boolean', default: false },
      step: { type: 'string', multiple: true },
      keep: { type: 'boolean', default: false },
      'no-exercises': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return console.log(USAGE);
  if (!values.out && !values.verify) throw new UsageError('--out DIR is required');
  const major = Number(process.versions.node.split('.')[0]);
  if (values.verify && major < 24) {
    throw new UsageError(
      `the steps need Node 24 (package.json engines); this is Node ${process.versions.node}`,
    );
  }

  const dirty = uncommittedPaths(root);
  if (dirty.length > 0) {
    log(
      `note: ${dirty.length} uncommitted change(s) are not included (building from ${values.ref}): ${dirty.slice(0, 5).join(', ')}${dirty.length > 5 ? ' …' : ''}`,
    );
  }
  const out = path.resolve(values.out ?? (await mkdtemp(path.join(tmpdir(), 'workshop-'))));
  log(`reading the source at ${values.ref}`);
  const source = readCommit(root, values.ref);
  const cacheDir = path.join(root, 'node_modules/.cache/workshop');
  const { workshop, commits } = await buildWorkshop(source, {
    cacheDir: path.join(cacheDir, 'lockfiles'),
    ...(values.repository ? { repository: values.repository } : {}),
    progress: log,
  });
  writeRepository(out, commits, {
    author: DEFAULT_AUTHOR,
    epoch: DEFAULT_EPOCH,
    force: values.force || !values.out,
  });
  const shas = tagShas(out);
  log(`wrote ${out}: a base commit and ${workshop.steps.length} step(s)`);
  for (const step of workshop.steps) {
    log(
      `  step-${step.number}  ${shas.get(`refs/tags/step-${step.number}`)?.slice(0, 12)}  ${step.title}`,
    );
  }

  if (!values.verify) return;
  const wanted = values.step?.map(Number) ?? workshop.steps.map((s) => s.number);
  const results = await verifyRepository(
    out,
    wanted.map((n) => `step-${n}`),
    {
      appEnv: workshop.manifest.verify.env,
      appJsonSchema: herokuAppJsonSchema(cacheDir),
      keep: values.keep,
      log,
    },
  );
  const total = results.reduce((sum, r) => sum + r.seconds, 0);
  log(`all ${results.length} step(s) verified in ${total.toFixed(1)} s`);
  if (values['no-exercises']) return;

  const solutions = solutionsIn(
    [...source].map(([file, { content }]): [string, Buffer] => [file, content]),
  ).filter((solution) => wanted.includes(solution.step));
  const walked = await walkExercises(out, solutions, workshop.steps.length, {
    keep: values.keep,
    log,
  });
  for (const { step, seconds, reset } of walked) {
    log(
      `  step-${step} exercise: ${seconds.toFixed(1)} s${reset ? ' (the next step asked for npm run db:reset)' : ''}`,
    );
  }
  const missing = wanted.filter((n) => !solutions.some((s) => s.step === n));
  if (missing.length > 0) log(`no reference solution for step(s) ${missing.join(', ')}`);
}

class UsageError extends Error {}

main().catch((err: unknown) => {
  if (err instanceof UsageError) {
    console.error(`workshop: ${err.message}\n\n${USAGE}`);
  } else {
    console.error(`workshop: ${err instanceof Error ? err.message : String(err)}`);
  }
  process.exitCode = 1;
});
