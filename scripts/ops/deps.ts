// Where the ops commands get the heroku CLI runner and the environments file: the deploy tool's own.
import type { OpsDeps } from './heroku-cli.ts';

/** The deploy tool's runner around `heroku` and its reader of deploy/environments.json. */
export function opsDeps(): Promise<OpsDeps> {
  // Connected to scripts/deploy/heroku.ts and scripts/deploy/environments.ts when the deploy tool lands.
  return Promise.reject(
    new Error(
      'the ops commands are not yet connected to the deploy tool (scripts/deploy/heroku.ts, environments.ts)',
    ),
  );
}
