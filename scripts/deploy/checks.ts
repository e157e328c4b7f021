// After a push, a promotion or a rollback: waiting for the release, its release phase output, the dynos, /healthz.
import { setTimeout as sleep } from 'node:timers/promises';
import { messageOf } from '../../src/platform/errors.ts';
import type { Context } from './context.ts';
import { herokuLine } from './heroku.ts';
import { listDynos, listReleases, type Release } from './releases.ts';

/** The first release newer than `after` once it has succeeded or failed; undefined on timeout. */
export async function waitForRelease(
  ctx: Context,
  app: string,
  after: number,
): Promise<Release | undefined> {
  const started = Date.now();
  let said = '';
  for (;;) {
    const releases = await listReleases(ctx.heroku, app);
    const release = releases.filter((r) => r.version > after).at(-1);
    if (release && (release.status === 'succeeded' || release.status === 'failed')) return release;
    const seconds = Math.round((Date.now() - started) / 1000);
    const now = release ? `v${release.version} ${release.status}` : 'no new release yet';
    if (now !== said) ctx.out.line(`  … ${now} (${seconds} s)`);
    said = now;
    if (Date.now() - started > ctx.timing.releaseTimeoutMs) return undefined;
    await sleep(ctx.timing.pollMs);
  }
}

/** Streams the release phase's output; a failure to read it is only a warning. */
export async function streamReleaseOutput(ctx: Context, app: string, version: number) {
  ctx.out.step(`release phase output of v${version}`);
  try {
    await ctx.heroku.stream('releases:output', [`v${version}`, '-a', app], (line) =>
      ctx.out.line(`  release | ${line}`),
    );
  } catch (err) {
    ctx.out.warn(
      `could not read it (${messageOf(err)}): ${herokuLine('releases:output', [`v${version}`, '-a', app])}`,
    );
  }
}

/** True once every web dyno runs `version` and is up; false on timeout or when none runs. */
export async function waitForWebDynos(ctx: Context, app: string, version: number) {
  const started = Date.now();
  for (;;) {
    const web = (await listDynos(ctx.heroku, app)).filter((dyno) => dyno.type === 'web');
    const ready = web.filter((d) => d.release.version === version && d.state === 'up');
    if (web.length > 0 && ready.length === web.length) return true;
    ctx.out.line(`  … ${ready.length}/${web.length} web dynos up on v${version}`);
    if (Date.now() - started > ctx.timing.dynoTimeoutMs) return false;
    await sleep(ctx.timing.pollMs);
  }
}

/**
 * GET /healthz, a few tries while the router starts sending traffic to the new dynos. The base URL is the
 * app's web_url; DEPLOY_HEALTHZ_BASE_URL replaces it (tests, or an app behind a custom domain).
 */
export async function checkHealth(
  ctx: Context,
  webUrl: string | null,
): Promise<string | undefined> {
  const base = ctx.env.DEPLOY_HEALTHZ_BASE_URL || webUrl;
  if (!base) return 'the app has no web URL to check';
  const url = new URL('/healthz', base).toString();
  let problem = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (response.ok) return undefined;
      problem = `${url} answered ${response.status}`;
    } catch (err) {
      problem = `${url} could not be reached (${messageOf(err)})`;
    }
    if (attempt < 3) await sleep(ctx.timing.pollMs);
  }
  return problem;
}
