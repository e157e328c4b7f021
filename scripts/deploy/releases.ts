// What an app runs, read through the Heroku CLI: its releases, the commit behind one, its info and dynos.
import { z } from 'zod';
import type { Heroku } from './heroku.ts';

// Only the fields the tool reads; the CLI prints the Platform API's objects, which have more.
const releaseSchema = z.object({
  id: z.string(),
  version: z.number().int(),
  status: z.enum(['pending', 'succeeded', 'failed', 'expired']),
  current: z.boolean().optional(),
  description: z.string(),
  created_at: z.string(),
  slug: z.object({ id: z.string() }).nullable().optional(),
  eligible_for_rollback: z.boolean().optional(),
});
export type Release = z.infer<typeof releaseSchema>;

const appInfoSchema = z.object({
  app: z.object({
    name: z.string(),
    git_url: z.string(),
    web_url: z.string().nullable(),
    maintenance: z.boolean(),
  }),
});
export type AppInfo = z.infer<typeof appInfoSchema>['app'];

const dynoSchema = z.object({
  name: z.string(),
  type: z.string(),
  state: z.string(),
  release: z.object({ version: z.number().int() }),
});
export type Dyno = z.infer<typeof dynoSchema>;

function parsed<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new Error(`${what} did not print what the deploy tool expects: ${result.error.message}`);
}

/** The latest releases, newest first (the CLI shows 15 unless asked for more). */
export async function listReleases(heroku: Heroku, app: string): Promise<Release[]> {
  const json = await heroku.json('releases', ['-a', app, '--num', '50']);
  const releases = parsed(z.array(releaseSchema), json, `heroku releases -a ${app}`);
  return releases.toSorted((a, b) => b.version - a.version);
}

export async function appInfo(heroku: Heroku, app: string): Promise<AppInfo> {
  const json = await heroku.json('apps:info', ['-a', app]);
  return parsed(appInfoSchema, json, `heroku apps:info -a ${app}`).app;
}

export async function listDynos(heroku: Heroku, app: string): Promise<Dyno[]> {
  const json = await heroku.json('ps', ['-a', app]);
  return parsed(z.array(dynoSchema), json, `heroku ps -a ${app}`);
}

/** The release the app runs: the one marked current, if it succeeded. */
export function currentRelease(releases: readonly Release[]): Release | undefined {
  return releases.find((release) => release.current === true && release.status === 'succeeded');
}

/** The release a rollback goes back to by default: the newest succeeded one before the current one. */
export function previousRelease(releases: readonly Release[]): Release | undefined {
  const current = currentRelease(releases);
  if (!current) return undefined;
  return releases.find(
    (release) =>
      release.version < current.version &&
      release.status === 'succeeded' &&
      release.eligible_for_rollback !== false,
  );
}

const DEPLOY = /^Deploy ([0-9a-f]{7,40})\b/;
const PROMOTE = /^Promote \S+ v\d+ ([0-9a-f]{7,40})\b/;
const ROLLBACK = /^Rollback to v(\d+)\b/;

/**
 * The commit (often abbreviated) behind a release, from the description Heroku writes: "Deploy 0f0a53b",
 * "Promote campaign-kit-staging v12 0f0a53b", or "Rollback to v41", which is followed to v41's. The core
 * CLI (v11) has no `builds` command (it is a plugin), so a slug's own commit cannot be read through it.
 * A release that changed config only ("Set FOO config vars") runs the slug of the release before it.
 */
export function describedCommit(releases: readonly Release[], version: number): string | undefined {
  const seen = new Set<number>();
  let at: number | undefined = version;
  while (at !== undefined && !seen.has(at)) {
    seen.add(at);
    const version: number = at;
    const release = releases.find((candidate) => candidate.version === version);
    if (!release) return undefined;
    const sha = DEPLOY.exec(release.description)?.[1] ?? PROMOTE.exec(release.description)?.[1];
    if (sha) return sha;
    const back = ROLLBACK.exec(release.description)?.[1];
    if (back) at = Number(back);
    else {
      const slug = release.slug?.id;
      const earlier = releases.find(
        (candidate) =>
          candidate.version < version && slug !== undefined && candidate.slug?.id === slug,
      );
      at = earlier?.version;
    }
  }
  return undefined;
}
