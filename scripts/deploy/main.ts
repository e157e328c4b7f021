// The deploy command line: parses `deploy <env>`, `promote [env]` and `rollback <env> [vN]`, runs one, exits.
import { parseArgs } from 'node:util';
import type { Input } from './confirm.ts';
import { timingFrom, type Context } from './context.ts';
import { deploy } from './deploy.ts';
import { EnvironmentsError, readEnvironments } from './environments.ts';
import { createGit } from './git.ts';
import { createHeroku, HerokuError } from './heroku.ts';
import { createOutput, DeployFailure, describeFailure, UsageError } from './output.ts';
import { rollback } from './rollback.ts';

export const USAGE = `usage: npm run deploy -- <environment> [--dry-run] [--yes]
       npm run deploy -- promote [environment] [--dry-run] [--yes]
       npm run deploy -- rollback <environment> [vN] [--dry-run] [--yes]

  <environment>   a name from deploy/environments.json (staging, production…)
  promote         copies what the upstream app runs (promoteFrom) through the pipeline
  rollback        back to release vN (default: the previous succeeded release)
  --dry-run       prints the plan and the commands; changes nothing
  --yes           skips typing the app's name for production (CI)
  --help          this text`;

export interface MainIo {
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  readonly input: Input;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly now?: () => Date;
}

type Command =
  | { kind: 'help' }
  | { kind: 'deploy'; envName: string | undefined; promote: boolean; dryRun: boolean; yes: boolean }
  | {
      kind: 'rollback';
      envName: string;
      version: string | undefined;
      dryRun: boolean;
      yes: boolean;
    };

export function parseCommand(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        'dry-run': { type: 'boolean', default: false },
        yes: { type: 'boolean', short: 'y', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  const flags = { dryRun: values['dry-run'], yes: values.yes };
  const [first, second, third, ...rest] = positionals;
  if (first === undefined) throw new UsageError('name an environment to deploy to');
  if (first === 'rollback') {
    if (second === undefined || rest.length > 0)
      throw new UsageError('rollback takes an environment and, optionally, a version');
    return { kind: 'rollback', envName: second, version: third, ...flags };
  }
  if (third !== undefined || (first !== 'promote' && second !== undefined))
    throw new UsageError(`unexpected argument ${first === 'promote' ? third : second}`);
  return first === 'promote'
    ? { kind: 'deploy', envName: second, promote: true, ...flags }
    : { kind: 'deploy', envName: first, promote: false, ...flags };
}

/** Runs the command line; answers the exit code: 0 done or up to date, 1 failed, 2 usage error. */
export async function main(argv: readonly string[], io: MainIo): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(argv);
  } catch (err) {
    io.stderr(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (command.kind === 'help') {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const out = createOutput(io.stdout);
  const ctx: Context = {
    root: io.root,
    env: io.env,
    git: createGit(io.root, io.env),
    heroku: createHeroku({ env: io.env, cwd: io.root }),
    out,
    write: io.stdout,
    input: io.input,
    timing: timingFrom(io.env),
    now: io.now ?? (() => new Date()),
  };
  try {
    const file = await readEnvironments(io.root);
    if (command.kind === 'rollback') await rollback(ctx, file, command);
    else await deploy(ctx, file, command);
    return 0;
  } catch (err) {
    if (err instanceof DeployFailure) io.stderr(`${describeFailure(err).join('\n')}\n`);
    else if (err instanceof EnvironmentsError) {
      io.stderr(`✗ ${err.message}\n`);
      return err.message.startsWith('unknown environment') ? 2 : 1;
    } else if (err instanceof UsageError) {
      io.stderr(`${err.message}\n${USAGE}\n`);
      return 2;
    } else if (err instanceof HerokuError) io.stderr(`✗ ${err.message}\n`);
    else io.stderr(`✗ ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}
