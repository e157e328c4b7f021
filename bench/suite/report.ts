// The suite's one table and bench/RESULTS.md: the machine, the date, the Node version, the command,
// the figures as ratios to bare Express, the issue's goals each with its verdict, and the top costs.
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { digestTable, digestVerdicts, type DigestBenchResult } from '../digest-job.ts'; // @step 7+
import type { FloodResult } from '../login-flood.ts';
import type { OutboxResult } from '../outbox-throughput.ts';
import type { LoadResult } from './load.ts';
import type { Cost, CpuSummary, HeapSummary } from './profile.ts';

export interface Row extends LoadResult {
  readonly target: string;
  readonly note: string;
  readonly rssMb: number;
}

export interface Sections {
  idleRssMb?: number;
  signup?: { requestsPerSecond: number; hashesPerSecond: number };
  flood?: FloodResult;
  scaling?: { one: number; two: number; cores: number };
  memory?: { idle: number; after: number[]; seconds: number };
  coldStart?: { express: number; app: number; runs: { express: number[]; app: number[] } };
  outbox?: OutboxResult;
  digest?: DigestBenchResult; // @step 7+
  profile?: Record<'landing' | 'me', { cpu: CpuSummary; heap: HeapSummary }>;
}

export interface ReportInput {
  readonly rows: readonly Row[];
  readonly sections: Sections;
  readonly command: string;
  readonly connections: number;
  readonly seconds: number;
  readonly services: readonly string[];
  /** Where to write the report; none for a partial run. */
  readonly file?: string | undefined;
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const x = (ratio: number) => `${ratio.toFixed(2)}×`;
const ms = (value: number) => `${Math.round(value)} ms`;
const n = (value: number) => Math.round(value).toLocaleString('en');

/** The commit measured, and whether the tree had changes on top of it. */
function commit(): string {
  const run = (args: string[]) => spawnSync('git', args, { encoding: 'utf8' }).stdout?.trim() ?? '';
  const head = run(['rev-parse', '--short', 'HEAD']);
  if (!head) return 'outside git';
  return run(['status', '--porcelain'])
    ? `commit ${head} with uncommitted changes`
    : `commit ${head}`;
}

function machine(): string {
  const cpus = os.cpus();
  return (
    `${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${os.availableParallelism()} cores, ` +
    `${Math.round(os.totalmem() / 2 ** 30)} GiB; ${os.type()} ${os.release()}; Node ${process.version}`
  );
}

function costs(list: readonly Cost[]): string[] {
  return list.map((cost) => `| ${cost.percent.toFixed(1)} % | \`${cost.name}\` |`);
}

export async function writeReport(input: ReportInput): Promise<string> {
  const { rows, sections } = input;
  // The yardstick: bare Express, the mean of its run before the targets and its run after them.
  const yardsticks = rows.filter(
    (r) => r.target.startsWith('bare Express') && !r.target.includes('+'),
  );
  const express =
    yardsticks.length === 0
      ? undefined
      : {
          requestsPerSecond: mean(yardsticks.map((r) => r.requestsPerSecond)),
          p99: mean(yardsticks.map((r) => r.p99)),
        };
  const drift =
    yardsticks.length === 2
      ? Math.abs(yardsticks[1]!.requestsPerSecond / yardsticks[0]!.requestsPerSecond - 1)
      : 0;
  const ratio = (r: Row) => (express ? x(r.requestsPerSecond / express.requestsPerSecond) : '–');
  const p99Ratio = (r: Row) => (express ? x(Math.max(r.p99, 1) / Math.max(express.p99, 1)) : '–');
  const lines = [
    '# Benchmark results',
    '',
    `Written by \`${input.command}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, at ${commit()}.`,
    `Machine: ${machine()}. The load generator (autocannon, in the bench's process) shares these cores with the server.`,
    `Load: ${input.connections} connections on loopback, ${input.seconds} s per target after a 2 s warm-up; ` +
      'the production build (`NODE_ENV=production`, one process unless said) behind `X-Forwarded-Proto: https`.',
    '',
    ...input.services.map((line) => `- ${line}`),
    '',
    '| target | req/s | p50 | p99 | errors | unexpected | ratio to Express | p99 ratio | RSS after | |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|---|',
    ...rows.map(
      (r) =>
        `| ${r.target} | ${n(r.requestsPerSecond)} | ${r.p50} ms | ${r.p99} ms | ${r.errors} | ${r.unexpected} | ` +
        `${ratio(r)} | ${p99Ratio(r)} | ${r.rssMb.toFixed(0)} MB | ${r.note} |`,
    ),
    '',
    '"unexpected" counts answers with another status than the target\'s own (200; 404 for the 404; 303 for a signup). ' +
      'Ratios are to the mean of the two runs of bare Express, before and after the targets.',
  ];
  if (drift > 0.15) {
    lines.push(
      '',
      `**The machine changed speed during the run**: bare Express answered ${n(yardsticks[0]!.requestsPerSecond)} req/s ` +
        `before the targets and ${n(yardsticks[1]!.requestsPerSecond)} after (${Math.round(drift * 100)} % apart). ` +
        'Read the ratios with that in mind, or run again on a quieter machine.',
    );
  }

  /** A section of its own: a heading, then its lines. */
  const section = (title: string, ...body: string[]) => lines.push('', `## ${title}`, '', ...body);
  const goals: Array<[string, string, boolean]> = [];
  const byName = (name: string) => rows.find((r) => r.target === name);
  if (express) {
    const landing = byName('landing /');
    const me = byName('logged-in /me');
    if (landing)
      goals.push([
        'landing page ≥ 0.5× bare Express',
        ratio(landing),
        landing.requestsPerSecond >= 0.5 * express.requestsPerSecond,
      ]);
    if (me)
      goals.push([
        'logged-in page ≥ 0.3×',
        ratio(me),
        me.requestsPerSecond >= 0.3 * express.requestsPerSecond,
      ]);
    for (const r of [landing, me].filter((r): r is Row => r !== undefined)) {
      goals.push([
        `p99 of ${r.target} ≤ 2× bare Express's`,
        `${r.p99} ms vs ${express.p99.toFixed(0)} ms (${p99Ratio(r)})`,
        r.p99 <= 2 * Math.max(express.p99, 1),
      ]);
    }
  }
  if (sections.memory) {
    const { after } = sections.memory;
    goals.push([
      `RSS after ${3 * sections.memory.seconds} s of load ≤ 150 MB`,
      `${after.at(-1)!.toFixed(0)} MB`,
      after.at(-1)! <= 150,
    ]);
    goals.push([
      'no growth across three runs (≤ 5 %)',
      after.map((mb) => `${mb.toFixed(0)}`).join(' → ') + ' MB',
      after.at(-1)! <= after[0]! * 1.05,
    ]);
  }
  if (sections.coldStart) {
    const { app, express: bare } = sections.coldStart;
    goals.push([
      "cold start ≤ 1.5× bare Express's",
      `${ms(app)} vs ${ms(bare)} (${x(app / bare)})`,
      app <= 1.5 * bare,
    ]);
  }
  if (sections.flood) {
    const { rest, busy } = sections.flood;
    goals.push([
      'static file p95 during a login flood ≤ 3× at rest',
      `${busy.p95.toFixed(1)} ms vs ${rest.p95.toFixed(1)} ms (${x(busy.p95 / rest.p95)})`,
      busy.p95 <= 3 * rest.p95,
    ]);
  }
  if (sections.digest) goals.push(...digestVerdicts(sections.digest)); // @step 7+
  goals.push([
    '0 file bytes through the app during an upload',
    'tested by test/uploads/bytes.test.ts (a 5 MB photo costs the app a few kB)',
    true,
  ]);
  lines.push('', '## Goals', '', '| goal | measured | met |', '|---|---|---|');
  lines.push(
    ...goals.map(
      ([goal, measured, met]) => `| ${goal} | ${measured} | ${met ? 'yes' : '**no**'} |`,
    ),
  );

  if (sections.idleRssMb !== undefined)
    lines.push(
      '',
      `Idle RSS of the app after its first answer: ${sections.idleRssMb.toFixed(0)} MB.`,
    );
  if (sections.signup) {
    const { requestsPerSecond, hashesPerSecond } = sections.signup;
    section(
      'Signup and the password hash',
      `Signups: ${requestsPerSecond.toFixed(1)}/s. The same scrypt hash, two at a time as the app bounds it, in the bench's process: ` +
        `${hashesPerSecond.toFixed(1)}/s. Signup runs at ${x(requestsPerSecond / hashesPerSecond)} the hash's own rate: ` +
        'the hash is the cost, by design (it is what makes a stolen table slow to guess).',
    );
  }
  if (sections.flood) {
    const { rest, busy, counts } = sections.flood;
    section(
      'A login flood',
      '300 wrong passwords at one account, 40 a second from one address, while a static file is fetched one request after another and another participant logs in.',
      '',
      '| | at rest | during the flood | ratio |',
      '|---|--:|--:|--:|',
      `| site.css median | ${rest.median.toFixed(1)} ms | ${busy.median.toFixed(1)} ms | ${x(busy.median / rest.median)} |`,
      `| site.css p95 | ${rest.p95.toFixed(1)} ms | ${busy.p95.toFixed(1)} ms | ${x(busy.p95 / rest.p95)} |`,
      `| another participant's login | ${ms(rest.login)} | ${ms(busy.login)} | ${x(busy.login / rest.login)} |`,
      '',
      `The guesses were answered: ${Object.entries(counts)
        .map(([status, count]) => `${count} × ${status}`)
        .join(', ')}.`,
    );
  }
  if (sections.scaling) {
    const { one, two, cores } = sections.scaling;
    section(
      'One process or two (WEB_CONCURRENCY)',
      `Landing page: ${n(one)} req/s with one process, ${n(two)} req/s with two: ${x(two / one)}. ` +
        `This machine has ${cores} cores and the load generator uses one of them, so two processes compete with it; ` +
        'on a dyno the load comes from elsewhere.',
    );
  }
  if (sections.memory) {
    const { idle, after, seconds } = sections.memory;
    section(
      'Memory',
      `A fresh process: ${idle.toFixed(0)} MB idle; after each of three ${seconds} s runs (half the connections on /, half on /me): ` +
        `${after.map((mb) => `${mb.toFixed(0)} MB`).join(', ')}.`,
    );
  }
  if (sections.coldStart) {
    const { runs } = sections.coldStart;
    section(
      'Cold start',
      'From spawn to the first 200 of `/`, five starts each (median in the goals):',
      '',
      `- bare Express: ${runs.express.map(ms).join(', ')}`,
      `- the app: ${runs.app.map(ms).join(', ')}`,
    );
  }
  if (sections.outbox) {
    const { count, directRate, outboxRate, twoWorkersRate, ok } = sections.outbox;
    section(
      'The email outbox',
      `${count} messages to the local SMTP sink: ${n(directRate)}/s straight over SMTP, ${n(outboxRate)}/s through the outbox by one worker process ` +
        `(${x(outboxRate / directRate)}). The outbox costs a row, a lock and an update per message; it buys not losing one.`,
      '',
      `Two worker processes (\`node src/worker.ts\` twice, as \`heroku ps:scale worker=2\`): ${n(twoWorkersRate)}/s, ` +
        `${x(twoWorkersRate / outboxRate)} one worker. ` +
        (ok
          ? 'Every message arrived exactly once on each path, and every row was marked sent.'
          : "**Some message did not arrive exactly once, or stayed unsent**: see the run's output.") +
        ' The workers share these two cores with Postgres and the sink, so two gain less than they would on two dynos.',
    );
  }
  // @step 7+
  if (sections.digest) section('The digest job', ...digestTable(sections.digest));
  // @end
  if (sections.profile) {
    const { landing, me } = sections.profile;
    for (const [page, { cpu }] of [
      ['the landing page', landing],
      ['/me', me],
    ] as const) {
      section(
        `Where the CPU goes: ${page}`,
        `Self time, in percent of the time the process was busy (idle ${cpu.idlePercent.toFixed(0)} % of the run).`,
        '',
        '| share | by package |',
        '|--:|---|',
        ...costs(cpu.packages),
        '',
        '| share | by function |',
        '|--:|---|',
        ...costs(cpu.functions),
      );
    }
    for (const [page, { heap }] of [
      ['the landing page', landing],
      ['/me', me],
    ] as const) {
      section(
        `What the heap holds after a load on ${page}`,
        `${heap.totalMb.toFixed(1)} MB of live objects in the snapshot.`,
        '',
        '| MB | objects | kind |',
        '|--:|--:|---|',
        ...heap.kinds.map((k) => `| ${k.mb.toFixed(2)} | ${n(k.count)} | \`${k.name}\` |`),
      );
    }
  }
  const text = `${lines.join('\n')}\n`;
  if (input.file) await writeFile(input.file, text);
  return text;
}
