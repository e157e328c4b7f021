// Delivery throughput of one worker process and of two against a local SMTP server, as ratios to
// sending the same messages straight over SMTP (the baseline, measured in the same run), and that every
// message arrived exactly once.
//   npm run bench:outbox [-- 500]        PGlite, or the Postgres at TEST_DATABASE_URL when set
import { spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import knex, { type Knex } from 'knex';
import { startPgliteServer, startSmtpSink, type SmtpSink } from '../scripts/dev/index.ts';
import { loadConfig } from '../src/config.ts';
import { smtpConfig } from '../src/email/email.config.ts';
import { createMailer } from '../src/email/mailer.ts';
import { createOutboxRepo, type OutboxMessage } from '../src/email/outbox.repo.ts';
import { migrateLatest } from '../src/platform/migrator.ts';

const root = path.resolve(import.meta.dirname, '..');
const MAIL_FROM = 'Bench <bench@example.com>';
const READY_TIMEOUT_MS = 30_000;
const DELIVERY_TIMEOUT_MS = 300_000;

export interface OutboxResult {
  readonly count: number;
  /** Messages a second straight over SMTP, and through the outbox by one worker process and by two. */
  readonly directRate: number;
  readonly outboxRate: number;
  readonly twoWorkersRate: number;
  /** Every message arrived exactly once, on each path. */
  readonly ok: boolean;
}

const message = (tag: string, i: number) => ({
  kind: 'bench',
  to: { address: `person${i}@example.com`, name: `Person ${i}` },
  subject: `Message ${tag}-${i}`,
  text: `Hello number ${i}`,
  html: `<p>Hello number ${i}</p>`,
});

interface WorkerProcess {
  /** The messages it logged as sent. */
  readonly sent: () => number;
  stop(): Promise<void>;
}

/** `node src/worker.ts`, as the Procfile's worker runs it; resolves once it says it is delivering. */
async function startWorker(env: Readonly<Record<string, string>>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['src/worker.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  let output = '';
  let pending = '';
  let sent = 0;
  let ready: () => void;
  const delivering = new Promise<void>((resolve) => (ready = resolve));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      if (line.includes('worker delivering email')) ready();
      if (line.includes('"outcome":"sent"')) sent += 1;
      else output += `${line}\n`;
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  // Its output read to the end, so that the last 'email sent' line is counted.
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    process.off('exit', orphanGuard);
  };
  // Unref'd: once the worker is ready, this timer must not keep the bench's process alive.
  const late = sleep(READY_TIMEOUT_MS, 'late' as const, { ref: false });
  if ((await Promise.race([delivering, exited, late])) !== undefined || child.exitCode !== null) {
    await stop();
    throw new Error(`the worker did not start delivering; its output:\n${output}`);
  }
  return { sent: () => sent, stop };
}

/** Waits until `count` messages more than `before` are at the sink, with a line every 100. */
async function arrived(sink: SmtpSink, before: number, count: number, say: (line: string) => void) {
  const until = performance.now() + DELIVERY_TIMEOUT_MS;
  let told = 0;
  while (sink.messages.length - before < count) {
    if (performance.now() > until) {
      throw new Error(
        `only ${sink.messages.length - before} of ${count} messages arrived within ${DELIVERY_TIMEOUT_MS / 1000} s`,
      );
    }
    const got = Math.floor((sink.messages.length - before) / 100) * 100;
    if (got > told) say(`  ${(told = got)}/${count} delivered`);
    await sleep(2);
  }
}

/** Whether the sink got each of the run's `count` subjects exactly once since `before`. */
function exactlyOnce(sink: SmtpSink, before: number, tag: string, count: number): boolean {
  const subjects = sink.messages.slice(before).map((m) => m.parsed.subject ?? '');
  const seen = new Set(subjects);
  const expected = Array.from({ length: count }, (_, i) => message(tag, i).subject);
  return subjects.length === count && seen.size === count && expected.every((s) => seen.has(s));
}

interface WorkersRun {
  readonly db: Knex;
  readonly url: string;
  readonly sink: SmtpSink;
  readonly count: number;
  readonly say: (line: string) => void;
}

/**
 * `workers` worker processes started and waiting, then `count` messages committed at once: the rate is
 * from that commit to the last arrival at the sink.
 */
async function throughWorkers(
  workers: number,
  run: WorkersRun,
): Promise<{ rate: number; sentBy: number[] }> {
  const { db, sink, count, say } = run;
  const env = {
    NODE_ENV: 'development',
    DATABASE_URL: run.url,
    SMTP_URL: sink.url,
    MAIL_FROM,
    // An idle worker looks again this soon, so that the start of the run costs little.
    WORKER_POLL_MS: '10',
    LOG_LEVEL: 'info',
  };
  const started = await Promise.all(Array.from({ length: workers }, () => startWorker(env)));
  const tag = `${workers}w`;
  const outbox = createOutboxRepo();
  const before = sink.messages.length;
  let seconds: number;
  try {
    await db.transaction(async (trx) => {
      for (let i = 0; i < count; i++) await outbox.enqueue(trx, message(tag, i));
    });
    const from = performance.now();
    await arrived(sink, before, count, say);
    seconds = (performance.now() - from) / 1000;
  } finally {
    await Promise.all(started.map((w) => w.stop()));
  }
  // Read once they have stopped: a worker logs a message as sent a moment after the sink has it.
  return { rate: count / seconds, sentBy: started.map((w) => w.sent()) };
}

/** Outbox rows of the run that are not marked sent: a message sent but not recorded would go again. */
async function unsent(db: Knex, tag: string): Promise<number> {
  const row = await db('email_outbox')
    .whereLike('subject', `Message ${tag}-%`)
    .whereNot('status', 'sent')
    .count({ n: '*' })
    .first();
  return Number(row?.n ?? 0);
}

export async function measureOutbox(
  count: number,
  say: (line: string) => void,
): Promise<OutboxResult> {
  const sink = await startSmtpSink();
  const admin = process.env.TEST_DATABASE_URL;
  const pglite = admin ? undefined : await startPgliteServer();
  let url = pglite?.url ?? '';
  const dbName = `bench_outbox_${process.pid}`;
  if (admin) {
    const adminDb = knex({ client: 'pg', connection: admin });
    await adminDb.raw(`create database ${dbName}`);
    await adminDb.destroy();
    const target = new URL(admin);
    target.pathname = `/${dbName}`;
    url = target.toString();
  }
  say(
    `${count} messages; database: ${admin ? `Postgres (${new URL(admin).host})` : 'PGlite'}; SMTP: local sink`,
  );
  const db = knex({ client: 'pg', connection: url, pool: { min: 1, max: 2 } });
  await migrateLatest(db);

  const { smtp: mail } = loadConfig({ SMTP_URL: sink.url, MAIL_FROM }, { smtp: smtpConfig });

  // Baseline: the same transport, no database.
  say('baseline: straight over SMTP …');
  const direct = createMailer(mail);
  let before = sink.messages.length;
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const m: OutboxMessage = {
      ...message('direct', i),
      id: String(i),
      attempts: 0,
      createdAt: new Date(),
    };
    await direct.send(m);
  }
  const directRate = count / ((performance.now() - started) / 1000);
  direct.close();
  let ok = exactlyOnce(sink, before, 'direct', count);

  const rates: number[] = [];
  for (const workers of [1, 2]) {
    say(`${workers === 1 ? 'one worker process' : 'two worker processes'} (node src/worker.ts) …`);
    before = sink.messages.length;
    const { rate, sentBy } = await throughWorkers(workers, { db, url, sink, count, say });
    rates.push(rate);
    const once = exactlyOnce(sink, before, `${workers}w`, count);
    const left = await unsent(db, `${workers}w`);
    say(
      `  ${rate.toFixed(0)} messages/s; sent by each: ${sentBy.join(' + ')}; ` +
        `${once ? 'each arrived exactly once' : 'NOT each exactly once'}; ${left} left unsent`,
    );
    ok &&= once && left === 0;
  }
  const [outboxRate, twoWorkersRate] = rates as [number, number];
  say(`baseline (SMTP only):       ${directRate.toFixed(0)} messages/s`);
  say(
    `one worker via the outbox:  ${outboxRate.toFixed(0)} messages/s (${(outboxRate / directRate).toFixed(2)}× the baseline)`,
  );
  say(
    `two workers via the outbox: ${twoWorkersRate.toFixed(0)} messages/s (${(twoWorkersRate / outboxRate).toFixed(2)}× one worker)`,
  );
  if (!ok) say('warning: some message did not arrive exactly once, or stayed unsent: see above');

  await db.destroy();
  await sink.stop();
  await pglite?.stop();
  if (admin) {
    const adminDb = knex({ client: 'pg', connection: admin });
    await adminDb.raw(`drop database if exists ${dbName} with (force)`);
    await adminDb.destroy();
  }
  return { count, directRate, outboxRate, twoWorkersRate, ok };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { positionals } = parseArgs({ allowPositionals: true });
  const result = await measureOutbox(Number(positionals[0] ?? 300), (line) =>
    console.log(`[bench] ${line}`),
  );
  if (!result.ok) process.exitCode = 1;
}
