// `npm run check:deploy [-- --app NAME] [--json]`: the production checklist, for the code and its config and,
// with --app, the live app. Exit 0 with no fail, 1 with one, 2 on a usage error, 3 when Heroku cannot be asked.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Env } from '../../src/config.ts';
import { messageOf } from '../../src/platform/errors.ts';
import { readEnvironments } from '../deploy/environments.ts';
import { createHeroku, HerokuError, type Heroku } from '../deploy/heroku.ts';
import type { CheckResult } from './check.ts';
import { gatherFacts, type Facts } from './facts.ts';
import { liveChecks } from './live.ts';
import { localChecks } from './local.ts';
import { summarize, textReport, type Report } from './report.ts';

export const USAGE = `usage: npm run check:deploy [-- --app NAME] [--json]

  (no --app)   checks the code and the config in this shell's environment
  --app NAME   checks the app's config vars (heroku config -a NAME) and the live app
  --json       prints one JSON object on stdout, for CI: {app, config, checks, summary, exitCode},
               or {error, exitCode} when the checks could not run
  --help       this text

Exit codes: 0 no check failed, 1 a check failed, 2 usage error, 3 the heroku CLI is missing, not
logged in, or could not answer.`;

export const EXIT = { ok: 0, failed: 1, usage: 2, heroku: 3 } as const;

export interface CheckIo {
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly now?: () => Date;
  /** The CLI runner (tests may give their own); by default the deploy tool's, on PATH. */
  readonly heroku?: Heroku;
}

class UsageError extends Error {}

function parse(argv: readonly string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        app: { type: 'string', short: 'a' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError(messageOf(err));
  }
  const { app, json, help } = parsed.values;
  if (app !== undefined && !/^[a-z][a-z0-9-]{1,29}$/.test(app))
    throw new UsageError(
      `--app ${app}: a Heroku app name has 2 to 30 lower-case letters, digits and dashes`,
    );
  return { app, json, help };
}

/** app.json's stack, and how this project deploys to `app`, for the stack check's fix. */
async function project(root: string, app: string) {
  let appJsonStack: string | undefined;
  try {
    const stack = (
      JSON.parse(readFileSync(path.join(root, 'app.json'), 'utf8')) as { stack?: unknown }
    ).stack;
    if (typeof stack === 'string') appJsonStack = stack;
  } catch {
    // The app-json check says what is wrong with it.
  }
  let deployCommand = 'git push heroku main';
  try {
    const { environments } = await readEnvironments(root);
    const name = Object.entries(environments).find(([, e]) => e.app === app)?.[0];
    if (name !== undefined) deployCommand = `npm run deploy -- ${name}`;
  } catch {
    // Without deploy/environments.json, a push is how the app is deployed.
  }
  return { appJsonStack, deployCommand };
}

export async function main(argv: readonly string[], io: CheckIo): Promise<number> {
  let options;
  try {
    options = parse(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`${err.message}\n${USAGE}\n`);
    if (argv.includes('--json'))
      io.stdout(`${JSON.stringify({ error: err.message, exitCode: EXIT.usage })}\n`);
    return EXIT.usage;
  }
  if (options.help) {
    io.stdout(`${USAGE}\n`);
    return EXIT.ok;
  }
  const { app, json } = options;
  const progress = (line: string) => io.stderr(`${line}\n`);
  const now = io.now?.() ?? new Date();

  let facts: Facts | undefined;
  if (app !== undefined) {
    const heroku =
      io.heroku ??
      createHeroku({ env: io.env, cwd: io.root, onRun: (line) => progress(`… ${line}`) });
    try {
      facts = await gatherFacts(heroku, app, progress);
    } catch (err) {
      if (!(err instanceof HerokuError)) throw err;
      // The runner's own messages say what to do about a missing CLI or login; a failed command does not.
      const next = / failed \(exit \d+\)/.test(err.message)
        ? `\nnext: check the name (heroku apps lists the apps this account can see), then run this again; after an internal server error, wait a minute first`
        : '';
      const message = `could not ask Heroku about ${app}: ${err.message}${next}`;
      io.stderr(`✗ ${message}\n`);
      if (json) io.stdout(`${JSON.stringify({ app, error: message, exitCode: EXIT.heroku })}\n`);
      return EXIT.heroku;
    }
  }

  const env: Env = facts ? facts.config : io.env;
  const checks: CheckResult[] = localChecks({ root: io.root, env, target: { app }, now });
  if (app !== undefined && facts !== undefined)
    checks.push(...liveChecks({ app, facts, ...(await project(io.root, app)) }));
  const summary = summarize(checks);
  const report: Report = {
    app: app ?? null,
    config: app === undefined ? "this shell's environment" : `heroku config -a ${app}`,
    checks,
    summary,
    exitCode: summary.fail > 0 ? EXIT.failed : EXIT.ok,
  };
  if (json) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  else {
    io.stdout(`check:deploy: config from ${report.config}\n\n`);
    io.stdout(textReport(report));
  }
  return report.exitCode;
}
