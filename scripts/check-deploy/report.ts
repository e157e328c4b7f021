// What the check prints: a line per check with its verdict and why, the fix under it, and a summary; or, with
// --json, one object for CI.
import type { CheckResult, Status } from './check.ts';

export interface Summary {
  readonly pass: number;
  readonly warn: number;
  readonly fail: number;
}

export interface Report {
  readonly app: string | null;
  /** Where the config came from: `heroku config -a APP`, or this shell's environment. */
  readonly config: string;
  readonly checks: readonly CheckResult[];
  readonly summary: Summary;
  readonly exitCode: number;
}

export function summarize(checks: readonly CheckResult[]): Summary {
  const count = (status: Status) => checks.filter((c) => c.status === status).length;
  return { pass: count('pass'), warn: count('warn'), fail: count('fail') };
}

const HEADINGS = {
  local: 'The code and its config',
  heroku: 'The app on Heroku',
} as const;

export function textReport(report: Report): string {
  const width = Math.max(...report.checks.map((c) => c.id.length));
  const lines: string[] = [];
  for (const group of ['local', 'heroku'] as const) {
    const checks = report.checks.filter((c) => c.group === group);
    if (checks.length === 0) continue;
    lines.push('', `${HEADINGS[group]}${group === 'heroku' ? ` (${report.app ?? ''})` : ''}:`);
    for (const check of checks) {
      lines.push(`  ${check.status}  ${check.id.padEnd(width)}  ${check.message}`);
      const indent = ' '.repeat(width + 10);
      for (const detail of check.details ?? []) lines.push(`${indent}- ${detail}`);
      if (check.fix !== null) lines.push(`${indent}fix: ${check.fix}`);
    }
  }
  const { pass, warn, fail } = report.summary;
  lines.push(
    '',
    `${pass} pass, ${warn} warn, ${fail} fail${fail > 0 ? ': not ready for production' : warn > 0 ? ': ready, with the risks above' : ': ready for production'}`,
  );
  if (report.app === null)
    lines.push('Add --app NAME to check the app on Heroku too, with its config vars.');
  return `${lines.join('\n').trimStart()}\n`;
}
