// Where the ops commands get the heroku CLI runner and the environments file: the deploy tool's own.
import type { OpsDeps } from './heroku-cli.ts';

/**
 * The deploy tool's runner around `heroku` and its reader of deploy/environments.json. Once they are
 * here: `herokuCliOf(createHeroku({ env: process.env, cwd }), (line) => console.log(line))`, and
 * `(await readEnvironments(cwd)).environments`, with `out: console`.
 */
export function opsDeps(): Promise<OpsDeps> {
  return Promise.reject(
    new Error(
      'the ops commands are not yet connected to the deploy tool (scripts/deploy/heroku.ts, environments.ts)',
    ),
  );
}
