// `rollback <env> [vN]`: back to an earlier release's slug and config; the database schema stays as it is.
import type { Context } from './context.ts';
import { waitForRelease, waitForWebDynos } from './checks.ts';
import { confirmApp } from './confirm.ts';
import { announce } from './deploy.ts';
import { environmentOf, type EnvironmentsFile } from './environments.ts';
import { herokuLine } from './heroku.ts';
import { DeployFailure, NOTHING_CHANGED, UsageError } from './output.ts';
import { currentRelease, listReleases, previousRelease } from './releases.ts';

export interface RollbackOptions {
  readonly envName: string;
  /** `v41` or `41`; default: the newest succeeded release before the current one. */
  readonly version: string | undefined;
  readonly dryRun: boolean;
  readonly yes: boolean;
}

export const SCHEMA_WARNING =
  'The database schema does NOT roll back with the code: migrations applied since then stay applied. ' +
  'The release phase of the older code accepts a database ahead of it and applies nothing.';

export async function rollback(ctx: Context, file: EnvironmentsFile, options: RollbackOptions) {
  const environment = environmentOf(file, options.envName);
  const app = environment.app;
  ctx.out.step('checking the Heroku login');
  const by = (await ctx.heroku.run('auth:whoami', [])).trim() || 'unknown';
  ctx.out.step(`reading the releases of ${app}`);
  const releases = await listReleases(ctx.heroku, app);
  const current = currentRelease(releases);
  if (!current)
    throw new DeployFailure(`${app} has no current release to roll back from`, NOTHING_CHANGED);
  const wanted = options.version === undefined ? undefined : parseVersion(options.version);
  const target =
    wanted === undefined
      ? previousRelease(releases)
      : releases.find((release) => release.version === wanted);
  if (!target || target.status !== 'succeeded' || target.version >= current.version)
    throw new DeployFailure(
      wanted === undefined
        ? `${app} has no succeeded release before v${current.version} among its latest`
        : `v${wanted} is not a succeeded release of ${app} older than v${current.version}`,
      NOTHING_CHANGED,
      [herokuLine('releases', ['-a', app])],
    );

  const command = herokuLine('releases:rollback', [`v${target.version}`, '-a', app]);
  ctx.out.line(
    `${environment.name} (${app}): v${current.version} → v${target.version} (${target.description})`,
  );
  ctx.out.warn(SCHEMA_WARNING);
  ctx.out.line(`commands:\n  ${command}`);
  if (options.dryRun) {
    ctx.out.line('dry run: nothing was changed');
    return;
  }
  if (environment.production && !options.yes)
    await confirmApp(ctx.input, ctx.write, app, `roll ${environment.name} back`);

  ctx.out.step(`rolling ${app} back to v${target.version}`);
  // The CLI streams the release phase's output of the rollback itself.
  await ctx.heroku.stream('releases:rollback', [`v${target.version}`, '-a', app], (line) =>
    ctx.out.line(`  heroku | ${line}`),
  );
  ctx.out.step(`waiting for the new release of ${app}`);
  const released = await waitForRelease(ctx, app, releases[0]?.version ?? current.version);
  if (!released)
    throw new DeployFailure(
      `the rollback release of ${app} did not finish in time`,
      'it may still be releasing',
      [herokuLine('releases', ['-a', app])],
    );
  if (released.status === 'failed')
    throw new DeployFailure(
      `the rollback release v${released.version} failed in its release phase`,
      `${environment.name} still runs v${current.version}`,
      [`read why: ${herokuLine('releases:output', [`v${released.version}`, '-a', app])}`],
    );
  ctx.out.step(`waiting for the web dynos to run v${released.version}`);
  if (!(await waitForWebDynos(ctx, app, released.version)))
    ctx.out.warn(
      `the web dynos are not up on v${released.version} yet: ${herokuLine('ps', ['-a', app])}`,
    );
  await announce(
    ctx,
    [
      `Rolled back ${app} (${environment.name}) to v${target.version} as v${released.version} by ${by}`,
      `schema: unchanged (migrations stay applied)`,
      `undo: npm run deploy -- rollback ${environment.name} v${current.version}`,
    ].join('\n'),
  );
}

function parseVersion(text: string): number {
  const match = /^v?(\d+)$/.exec(text);
  if (!match) throw new UsageError(`"${text}" is not a release version (v41 or 41)`);
  return Number(match[1]);
}
