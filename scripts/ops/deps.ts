// Where the ops commands get the heroku CLI runner and the environments: the deploy tool's own.
import { EnvironmentsError, readEnvironments } from '../deploy/environments.ts';
import { createHeroku } from '../deploy/heroku.ts';
import { herokuCliOf, type OpsDeps } from './heroku-cli.ts';

export async function opsDeps(root: string = process.cwd()): Promise<OpsDeps> {
  const { environments } = await readEnvironments(root);
  return {
    heroku: herokuCliOf(createHeroku({ env: process.env, cwd: root }), (line) =>
      console.log(`  heroku | ${line}`),
    ),
    environments,
    out: console,
  };
}

/** Runs an ops command's `main` with the real CLI and environments; a broken environments file is one line. */
export async function runOps(
  main: (argv: readonly string[], deps: OpsDeps) => Promise<number>,
): Promise<void> {
  let deps: OpsDeps;
  try {
    deps = await opsDeps();
  } catch (err) {
    if (!(err instanceof EnvironmentsError)) throw err;
    console.error(`✗ ${err.message}`);
    process.exitCode = 1;
    return;
  }
  process.exitCode = await main(process.argv.slice(2), deps);
}
