// The release note: printed after a deploy or a rollback, and posted to DEPLOY_WEBHOOK_URL (Slack's shape).
import { messageOf } from '../../src/platform/errors.ts';

export interface NoteFacts {
  readonly action: 'deploy' | 'promote' | 'rollback';
  readonly envName: string;
  readonly app: string;
  readonly version: number;
  readonly from: string | undefined;
  readonly to: string;
  readonly commits: readonly string[];
  readonly migrations: readonly string[];
  readonly by: string;
}

export function releaseNote(facts: NoteFacts): string {
  const range = facts.from
    ? `${facts.from.slice(0, 7)}..${facts.to.slice(0, 7)}`
    : facts.to.slice(0, 7);
  const verb = { deploy: 'Deployed', promote: 'Promoted', rollback: 'Rolled back' }[facts.action];
  return [
    `${verb} ${facts.app} (${facts.envName}) as v${facts.version} by ${facts.by}`,
    `commits: ${range} (${facts.commits.length})`,
    ...facts.commits.map((commit) => `  ${commit}`),
    `migrations: ${facts.migrations.length > 0 ? `yes (${facts.migrations.join(', ')})` : 'no'}`,
    `roll back: npm run deploy -- rollback ${facts.envName}`,
  ].join('\n');
}

/** Posts `{text}`; answers undefined on success, or what went wrong (a warning, never a failed deploy). */
export async function postNote(url: string, text: string): Promise<string | undefined> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text }),
      signal: AbortSignal.timeout(10_000),
    });
    return response.ok ? undefined : `the webhook answered ${response.status}`;
  } catch (err) {
    // fetch says "fetch failed"; the reason (ECONNREFUSED, a bad port…) is its cause.
    const cause = (err as { cause?: unknown }).cause;
    return `the webhook could not be reached (${messageOf(cause ?? err)})`;
  }
}
