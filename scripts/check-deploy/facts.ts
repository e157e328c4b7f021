// Asking Heroku about one app: every read side by side, each said when it starts and when it is back, each
// answer checked against the shape the check reads.
import type { z } from 'zod';
import { HerokuError, herokuLine, type Heroku, type HerokuCommand } from '../deploy/heroku.ts';
import {
  addonsShape,
  appInfoShape,
  configShape,
  domainsShape,
  drainsShape,
  dynosShape,
  featuresShape,
  redisShape,
  schedulesFromText,
  stacksFromText,
  type Addon,
  type AppInfo,
  type BackupSchedule,
  type Domain,
  type Drain,
  type Dyno,
  type Feature,
  type RedisDatabase,
} from './shapes.ts';

export interface Facts {
  readonly info: AppInfo;
  readonly dynos: readonly Dyno[];
  readonly addons: readonly Addon[];
  readonly domains: readonly Domain[];
  readonly features: readonly Feature[];
  readonly drains: readonly Drain[];
  readonly config: Readonly<Record<string, string>>;
  readonly redis: readonly RedisDatabase[];
  /** The stacks the Platform API offers (`heroku apps:stacks`). */
  readonly stacks: readonly string[];
  /** Read only where the database has no continuous protection (Essential); undefined otherwise. */
  readonly schedules: readonly BackupSchedule[] | undefined;
}

/** Plans without rollback or a standby, whose only safety net is the backups (docs/runbook.md). */
export const BACKUPS_ONLY = /^(essential|mini|basic|hobby)/;

export const planOf = (addon: Addon): string => addon.plan.name?.split(':')[1] ?? '';

/** The app's Postgres: the add-on behind DATABASE_URL, or the first one. */
export function databaseOf(addons: readonly Addon[]): Addon | undefined {
  const postgres = addons.filter((a) => a.addon_service.name === 'heroku-postgresql');
  return postgres.find((a) => a.config_vars.includes('DATABASE_URL')) ?? postgres[0];
}

export async function gatherFacts(
  heroku: Heroku,
  app: string,
  progress: (line: string) => void,
): Promise<Facts> {
  const timed = async <T>(command: HerokuCommand, work: Promise<T>): Promise<T> => {
    const started = Date.now();
    const value = await work;
    progress(`  ✓ heroku ${command} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return value;
  };
  const json = async <T>(command: HerokuCommand, shape: z.ZodType<T>): Promise<T> => {
    const parsed = shape.safeParse(await timed(command, heroku.json(command, ['-a', app])));
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw new HerokuError(
      `${herokuLine(command, ['--json', '-a', app])} printed a shape this check does not know (${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}): update the CLI (heroku update), then run this again`,
    );
  };
  const text = (command: HerokuCommand) => timed(command, heroku.run(command, ['-a', app]));

  await heroku.run('auth:whoami', []);
  progress(`asking Heroku about ${app}: 9 commands side by side`);
  const [info, dynos, addons, domains, features, drains, config, redis, stacks] = await Promise.all(
    [
      json('apps:info', appInfoShape),
      json('ps', dynosShape),
      json('addons', addonsShape),
      json('domains', domainsShape),
      json('features', featuresShape),
      json('drains', drainsShape),
      json('config', configShape),
      json('redis:info', redisShape),
      text('apps:stacks'),
    ],
  );
  const database = databaseOf(addons);
  const schedules =
    database !== undefined && BACKUPS_ONLY.test(planOf(database))
      ? schedulesFromText(await text('pg:backups:schedules'))
      : undefined;
  return {
    info,
    dynos,
    addons,
    domains,
    features,
    drains,
    config,
    redis,
    stacks: stacksFromText(stacks),
    schedules,
  };
}
