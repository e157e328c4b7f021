// `deploy <env>` and `promote`: checks, the plan, then maintenance, release, checks and the tag, in order.
import { messageOf } from '../../src/platform/errors.ts';
import type { Context } from './context.ts';
import { checkHealth, streamReleaseOutput, waitForRelease, waitForWebDynos } from './checks.ts';
import { confirmApp } from './confirm.ts';
import {
  environmentOf,
  promotionTarget,
  type Environment,
  type EnvironmentsFile,
} from './environments.ts';
import { whatRuns } from './facts.ts';
import { herokuLine } from './heroku.ts';
import { postNote, releaseNote } from './note.ts';
import { DeployFailure, NOTHING_CHANGED } from './output.ts';
import { describePlan, planDeploy, type Plan } from './plan.ts';
import { pagesLine, publishPlatformPages } from './platform-pages.ts';
import { appInfo, type AppInfo } from './releases.ts';

export interface DeployOptions {
  /** For a promotion, the environment promoted to (default: the one with promoteFrom). */
  readonly envName: string | undefined;
  readonly promote: boolean;
  readonly dryRun: boolean;
  readonly yes: boolean;
}

export async function deploy(ctx: Context, file: EnvironmentsFile, options: DeployOptions) {
  const environment = options.promote
    ? options.envName
      ? environmentOf(file, options.envName)
      : promotionTarget(file)
    : environmentOf(file, options.envName ?? '');
  const upstream = options.promote ? upstreamOf(file, environment) : undefined;
  if (!upstream) await checkWorkTree(ctx, environment);

  ctx.out.step('checking the Heroku login');
  const by =
    (await ctx.heroku.run('auth:whoami', [])).trim() || (await ctx.git.userEmail()) || 'unknown';

  ctx.out.step(`reading what ${environment.app} runs`);
  const running = await whatRuns(ctx, environment.app);
  const sha = upstream ? await upstreamCommit(ctx, upstream) : await ctx.git.resolve('HEAD');
  if (!sha) throw new DeployFailure('HEAD is not a commit yet', NOTHING_CHANGED, ['commit first']);
  const info = await appInfo(ctx.heroku, environment.app);

  const from = running.deployed?.sha;
  const behind = from !== undefined && !(await ctx.git.isAncestor(from, sha));
  const plan = planDeploy({
    environment,
    ...(upstream ? { upstream } : {}),
    sha,
    deployed: running.deployed,
    added: await ctx.git.log(from, sha),
    removed: behind ? await ctx.git.log(sha, from) : [],
    files: await ctx.git.changedFiles(from, sha),
    gitUrl: info.git_url,
  });
  if (plan.upToDate) {
    ctx.out.line(
      `${environment.name} (${environment.app}) is up to date: v${running.deployed?.version ?? running.latest} runs ${sha.slice(0, 7)}`,
    );
    return;
  }
  for (const line of describePlan(plan)) ctx.out.line(line);
  ctx.out.line(pagesLine(file.pages, environment.app));
  if (options.dryRun) {
    ctx.out.line('dry run: nothing was changed');
    return;
  }
  if (plan.confirm && !options.yes)
    await confirmApp(ctx.input, ctx.write, environment.app, `deploy to ${environment.name}`);

  // A changed page URL is a config change, which Heroku makes a release of: the deploy's is the next.
  const pagesChanged = await publishPlatformPages(ctx, file.pages, environment.app);
  const latest = pagesChanged ? (await whatRuns(ctx, environment.app)).latest : running.latest;
  let version: number;
  try {
    version = await release(ctx, plan, info, latest);
  } catch (err) {
    if (err instanceof DeployFailure) throw err;
    // A heroku or git command failed half-way (the network, an expired login): say what may be left.
    const app = environment.app;
    throw new DeployFailure(
      messageOf(err),
      plan.downtime
        ? `${environment.name} may be in maintenance mode, and a release may be running`
        : `${environment.name} may be releasing`,
      [
        herokuLine('releases', ['-a', app]),
        ...(plan.downtime
          ? [`heroku maintenance -a ${app}, then ${herokuLine('maintenance:off', ['-a', app])}`]
          : []),
        'then deploy again',
      ],
    );
  }
  await finish(ctx, plan, version, by);
}

function upstreamOf(file: EnvironmentsFile, environment: Environment): Environment {
  if (!environment.promoteFrom)
    throw new DeployFailure(
      `${environment.name} has no "promoteFrom" to promote from`,
      NOTHING_CHANGED,
      [`npm run deploy -- ${environment.name}`],
    );
  return environmentOf(file, environment.promoteFrom);
}

async function checkWorkTree(ctx: Context, environment: Environment) {
  ctx.out.step('checking the work tree');
  const changes = await ctx.git.status();
  if (changes.length > 0)
    throw new DeployFailure(
      `the work tree has ${changes.length} uncommitted or untracked file(s): a deploy sends commits only`,
      NOTHING_CHANGED,
      [
        'commit or stash them (git stash --include-untracked), then run this again',
        ...changes.slice(0, 5),
      ],
    );
  const branch = await ctx.git.branch();
  if (branch !== environment.branch)
    throw new DeployFailure(
      `${environment.name} deploys the branch ${environment.branch}, and ${branch ?? 'a detached HEAD'} is checked out`,
      NOTHING_CHANGED,
      [`git switch ${environment.branch}, then run this again`],
    );
}

/** What the upstream app runs; a promotion copies its slug, so the commit must be known here to show it. */
async function upstreamCommit(ctx: Context, upstream: Environment): Promise<string> {
  ctx.out.step(`reading what ${upstream.app} runs`);
  const deployed = (await whatRuns(ctx, upstream.app)).deployed;
  if (!deployed)
    throw new DeployFailure(
      `${upstream.name} (${upstream.app}) has nothing deployed to promote`,
      NOTHING_CHANGED,
      [`npm run deploy -- ${upstream.name}`],
    );
  return deployed.sha;
}

/** Maintenance (with migrations), the push or promotion, the wait and the checks; answers the new version. */
async function release(ctx: Context, plan: Plan, info: AppInfo, previous: number): Promise<number> {
  const { environment, upstream } = plan.facts;
  const app = environment.app;
  const oldCode = `running v${previous} code`;
  const inMaintenance = `${environment.name} is in maintenance mode, ${oldCode}`;
  if (plan.downtime) {
    ctx.out.step('turning maintenance on (the release phase migrates)');
    await ctx.heroku.run('maintenance:on', ['-a', app]);
  }
  const reopen = herokuLine('maintenance:off', ['-a', app]);
  try {
    if (upstream) {
      ctx.out.step(`promoting ${upstream.app} to ${app}`);
      await ctx.heroku.stream('pipelines:promote', ['-a', upstream.app, '--to', app], (line) =>
        ctx.out.line(`  heroku | ${line}`),
      );
    } else {
      ctx.out.step(`pushing ${plan.facts.sha.slice(0, 7)} to ${app}`);
      await ctx.git.push(info.git_url, `${plan.facts.sha}:refs/heads/main`, (line) =>
        ctx.out.line(`  git | ${line}`),
      );
    }
  } catch (err) {
    throw new DeployFailure(
      `the ${upstream ? 'promotion' : 'push'} failed: ${messageOf(err).trim()}`,
      plan.downtime
        ? `${inMaintenance}; nothing was released`
        : `${environment.name} is ${oldCode}`,
      plan.downtime
        ? [`fix it and deploy again, or reopen: ${reopen}`]
        : ['fix it and deploy again'],
    );
  }

  ctx.out.step(`waiting for the new release of ${app}`);
  const released = await waitForRelease(ctx, app, previous);
  if (!released)
    throw new DeployFailure(
      `no new release of ${app} finished in time`,
      plan.downtime
        ? `${inMaintenance} until the release finishes`
        : `${environment.name} may still be releasing`,
      [herokuLine('releases', ['-a', app]), ...(plan.downtime ? [`once it has: ${reopen}`] : [])],
    );
  const version = released.version;
  // pipelines:promote streams the release phase's output itself; a git push does not show it.
  if (!upstream) await streamReleaseOutput(ctx, app, version);
  const output = herokuLine('releases:output', [`v${version}`, '-a', app]);
  if (released.status === 'failed')
    throw new DeployFailure(
      `release v${version} of ${app} failed in its release phase`,
      plan.downtime
        ? `${inMaintenance}; the database may hold part of the migration`
        : `${environment.name} is ${oldCode}`,
      [
        `read why: ${output}`,
        'fix it, then deploy again',
        ...(plan.downtime ? [`or reopen on the old code: ${reopen}`] : []),
      ],
    );

  ctx.out.step(`waiting for the web dynos to run v${version}`);
  if (!(await waitForWebDynos(ctx, app, version)))
    throw new DeployFailure(
      `the web dynos of ${app} did not come up on v${version}`,
      plan.downtime
        ? `${environment.name} is in maintenance mode on v${version}`
        : `v${version} is released and not up`,
      [
        herokuLine('ps', ['-a', app]),
        `heroku logs --tail -a ${app}`,
        `npm run deploy -- rollback ${environment.name}`,
        ...(plan.downtime ? [`then ${reopen}`] : []),
      ],
    );

  // /healthz comes after maintenance:off, not before it as first asked: while maintenance is on, the router
  // answers every request with the maintenance page, so a health check could not reach the new dynos.
  // The dynos are checked up on the new release first, and maintenance goes back on if /healthz fails.
  if (plan.downtime) {
    ctx.out.step('turning maintenance off');
    await ctx.heroku.run('maintenance:off', ['-a', app]);
  }
  ctx.out.step('checking /healthz');
  const unhealthy = await checkHealth(ctx, info.web_url);
  if (unhealthy) {
    if (plan.downtime) {
      ctx.out.step('turning maintenance back on: the new release is not healthy');
      await ctx.heroku.run('maintenance:on', ['-a', app]);
    }
    throw new DeployFailure(
      `v${version} of ${app} is not healthy: ${unhealthy}`,
      plan.downtime
        ? `${environment.name} is in maintenance mode on v${version}, migrated`
        : `${environment.name} serves v${version}`,
      [
        `heroku logs --tail -a ${app}`,
        `npm run deploy -- rollback ${environment.name} (the schema stays migrated)`,
        ...(plan.downtime ? [`then ${reopen}`] : []),
      ],
    );
  }
  return version;
}

async function finish(ctx: Context, plan: Plan, version: number, by: string) {
  const { environment, sha, deployed, upstream } = plan.facts;
  // Each environment numbers its releases on its own (staging v40 may be production v12), so the tag
  // carries the environment: staging/v40 and production/v12 never collide.
  const tag = `${environment.name}/v${version}`;
  ctx.out.step(`tagging ${sha.slice(0, 7)} as ${tag}`);
  const at = ctx.now().toISOString();
  try {
    await ctx.git.tag(
      tag,
      sha,
      `Deployed ${sha} to ${environment.app} (${environment.name}) as v${version} by ${by} at ${at}`,
    );
    // Not pushed: origin may be a shared repository the deploying machine cannot (or should not) write to.
    ctx.out.line(`  share it with: git push origin ${tag}`);
  } catch (err) {
    ctx.out.warn(`could not tag it (${messageOf(err)}); the deploy itself is done`);
  }
  const note = releaseNote({
    action: upstream ? 'promote' : 'deploy',
    envName: environment.name,
    app: environment.app,
    version,
    from: deployed?.sha,
    to: sha,
    commits: plan.facts.added,
    migrations: plan.migrations,
    by,
  });
  await announce(ctx, note);
}

export async function announce(ctx: Context, note: string) {
  ctx.out.line('');
  ctx.out.line(note);
  const url = ctx.env.DEPLOY_WEBHOOK_URL;
  if (!url) return;
  ctx.out.step('posting the release note to DEPLOY_WEBHOOK_URL');
  const problem = await postNote(url, note);
  if (problem) ctx.out.warn(`${problem}; the deploy itself is done`);
}
