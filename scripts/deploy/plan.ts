// The deploy plan, worked out from facts alone: what changes, whether it needs downtime, what will run.
import type { Environment } from './environments.ts';
import type { ChangedFile } from './git.ts';
import { herokuLine } from './heroku.ts';

export const MIGRATIONS_DIR = 'migrations/';

export interface Deployed {
  readonly version: number;
  readonly sha: string;
}

export interface PlanFacts {
  readonly environment: Environment;
  /** Set for a promotion: the environment whose running slug is copied. */
  readonly upstream?: Environment;
  readonly sha: string;
  /** What runs now; undefined before the first deploy. */
  readonly deployed: Deployed | undefined;
  /** Commits the deploy adds (`git log deployed..sha`). */
  readonly added: readonly string[];
  /** Commits it takes away, for a deploy of code older than what runs (`git log sha..deployed`). */
  readonly removed: readonly string[];
  readonly files: readonly ChangedFile[];
  readonly gitUrl: string;
}

export interface Plan {
  readonly facts: PlanFacts;
  readonly upToDate: boolean;
  /** The code deployed is not a descendant of what runs. */
  readonly behind: boolean;
  /** Migrations added or changed: the release phase will apply them. */
  readonly migrations: readonly string[];
  /** Migrations the code deployed lacks: the database stays ahead of it. */
  readonly removedMigrations: readonly string[];
  /** Maintenance mode for the release phase: only when it migrates. */
  readonly downtime: boolean;
  readonly confirm: boolean;
  /** The commands that change something, in order, as a user would type them. */
  readonly commands: readonly string[];
}

const isMigration = (file: ChangedFile) => file.path.startsWith(MIGRATIONS_DIR);

export function planDeploy(facts: PlanFacts): Plan {
  const { environment, upstream, sha, deployed } = facts;
  const upToDate = deployed?.sha === sha;
  const migrations = facts.files
    .filter((f) => isMigration(f) && f.status !== 'D')
    .map((f) => f.path);
  const removedMigrations = facts.files
    .filter((f) => isMigration(f) && f.status === 'D')
    .map((f) => f.path);
  const downtime = migrations.length > 0;
  const app = environment.app;
  const release = upstream
    ? herokuLine('pipelines:promote', ['-a', upstream.app, '--to', app])
    : `git push ${facts.gitUrl} ${sha}:refs/heads/main`;
  const commands = upToDate
    ? []
    : [
        ...(downtime ? [herokuLine('maintenance:on', ['-a', app])] : []),
        release,
        ...(downtime ? [herokuLine('maintenance:off', ['-a', app])] : []),
        `git tag --annotate ${environment.name}/v<N> ${sha.slice(0, 7)}`,
      ];
  return {
    facts,
    upToDate,
    behind: facts.removed.length > 0,
    migrations,
    removedMigrations,
    downtime,
    confirm: environment.production,
    commands,
  };
}

/** The plan as lines for the terminal: range, commits, files, migrations, downtime, commands. */
// Past this, a list of files is scrolled past rather than read; the command to see them all is given.
const MAX_FILES_SHOWN = 20;

export function describePlan(plan: Plan): string[] {
  const { facts } = plan;
  const { environment: env } = facts;
  const from = facts.deployed
    ? `v${facts.deployed.version} (${facts.deployed.sha.slice(0, 7)})`
    : 'nothing (first deploy)';
  const lines = [
    `${env.name} (${env.app}): ${from} → ${facts.sha.slice(0, 7)}${facts.upstream ? `, promoted from ${facts.upstream.name}` : ''}`,
  ];
  if (facts.added.length > 0)
    lines.push(`commits (${facts.added.length}):`, ...indent(facts.added));
  if (plan.behind)
    lines.push(
      `⚠ this deploys code OLDER than what runs: ${facts.removed.length} commit(s) go away:`,
      ...indent(facts.removed),
    );
  if (facts.files.length > 0) {
    const shown = facts.files.slice(0, MAX_FILES_SHOWN);
    lines.push(
      `files (${facts.files.length}):`,
      ...indent(shown.map((f) => `${f.status} ${f.path}`)),
    );
    const more = facts.files.length - shown.length;
    if (more > 0)
      lines.push(
        `  … and ${more} more: ${
          facts.deployed
            ? `git diff --name-status ${facts.deployed.sha.slice(0, 7)} ${facts.sha.slice(0, 7)}`
            : `git ls-tree -r --name-only ${facts.sha.slice(0, 7)}`
        }`,
      );
  }
  lines.push(
    plan.migrations.length > 0
      ? `migrations: yes, the release phase applies ${plan.migrations.join(', ')}`
      : 'migrations: none',
  );
  if (plan.removedMigrations.length > 0)
    lines.push(
      `⚠ the code deployed lacks migrations the database has (${plan.removedMigrations.join(', ')}): they stay applied`,
    );
  lines.push(
    plan.downtime
      ? 'downtime: yes, maintenance mode while the release phase migrates'
      : 'downtime: none',
  );
  lines.push('commands:', ...indent(plan.commands));
  return lines;
}

const indent = (lines: readonly string[]) => lines.map((line) => `  ${line}`);
