// Finding what an app runs: its current release and the commit behind it, resolved in this clone.
import type { Context } from './context.ts';
import type { Deployed } from './plan.ts';
import { currentRelease, describedCommit, listReleases, type Release } from './releases.ts';
import { DeployFailure, NOTHING_CHANGED } from './output.ts';

export interface Running {
  readonly releases: readonly Release[];
  /** The version a new release must be newer than (0 before any release). */
  readonly latest: number;
  readonly deployed: Deployed | undefined;
}

export async function whatRuns(ctx: Context, app: string): Promise<Running> {
  const releases = await listReleases(ctx.heroku, app);
  const latest = releases[0]?.version ?? 0;
  const current = currentRelease(releases);
  if (!current) return { releases, latest, deployed: undefined };
  const short = describedCommit(releases, current.version);
  if (!short)
    // A release from before any deploy (an empty app's "Initial release"): nothing to compare with.
    return { releases, latest, deployed: undefined };
  const sha = await ctx.git.resolve(short);
  if (!sha)
    throw new DeployFailure(
      `${app} runs v${current.version}, commit ${short}, which this clone does not have`,
      NOTHING_CHANGED,
      ['git fetch origin (then run this again)'],
    );
  return { releases, latest, deployed: { version: current.version, sha } };
}
