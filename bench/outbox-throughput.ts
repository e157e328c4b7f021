// Delivery throughput of one worker against a local SMTP server, as a ratio to sending the same
// messages straight over SMTP (the baseline, measured in the same run).
//   npm run bench:outbox [-- 500]        PGlite, or the Postgres at TEST_DATABASE_URL when set
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import knex from 'knex';
import pino from 'pino';
import { startPgliteServer, startSmtpSink } from '../scripts/dev/index.ts';
import { loadConfig } from '../src/config.ts';
import { createDelivery } from '../src/email/delivery.ts';
import { smtpConfig } from '../src/email/email.config.ts';
import { createMailer } from '../src/email/mailer.ts';
import { createOutboxRepo, type OutboxMessage } from '../src/email/outbox.repo.ts';
import { migrateLatest } from '../src/platform/migrator.ts';

export interface OutboxResult {
  readonly count: number;
  /** Messages a second straight over SMTP, and through the outbox by one worker. */
  readonly directRate: number;
  readonly outboxRate: number;
  /** Every message arrived, once per path. */
  readonly ok: boolean;
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

  const { smtp: mail } = loadConfig(
    { SMTP_URL: sink.url, MAIL_FROM: 'Bench <bench@example.com>' },
    { smtp: smtpConfig },
  );
  const message = (i: number) => ({
    kind: 'bench',
    to: { address: `person${i}@example.com`, name: `Person ${i}` },
    subject: `Message ${i}`,
    text: `Hello number ${i}`,
    html: `<p>Hello number ${i}</p>`,
  });

  // Baseline: the same transport, no database.
  const direct = createMailer(mail);
  let started = performance.now();
  for (let i = 0; i < count; i++) {
    const m: OutboxMessage = { ...message(i), id: String(i), attempts: 0, createdAt: new Date() };
    await direct.send(m);
    if ((i + 1) % 100 === 0) say(`baseline: ${i + 1}/${count} sent`);
  }
  const directSeconds = (performance.now() - started) / 1000;
  direct.close();

  const outbox = createOutboxRepo();
  await db.transaction(async (trx) => {
    for (let i = 0; i < count; i++) await outbox.enqueue(trx, message(i));
  });
  const mailer = createMailer(mail);
  const delivery = createDelivery({
    db,
    outbox,
    mailer,
    logger: pino({ level: 'silent' }),
    maxAttempts: 3,
    retryBaseMs: 10,
    pollMs: 10,
  });
  started = performance.now();
  let sent = 0;
  while ((await delivery.deliverNext()) === 'sent') {
    if (++sent % 100 === 0) say(`outbox: ${sent}/${count} delivered`);
  }
  const outboxSeconds = (performance.now() - started) / 1000;
  mailer.close();

  const directRate = count / directSeconds;
  const outboxRate = sent / outboxSeconds;
  say(`baseline (SMTP only):     ${directRate.toFixed(0)} messages/s`);
  say(`one worker via the outbox: ${outboxRate.toFixed(0)} messages/s`);
  say(`ratio outbox / baseline:   ${(outboxRate / directRate).toFixed(2)}`);
  let ok = true;
  if (sent !== count || sink.messages.length !== 2 * count) {
    say(
      `warning: expected ${count} outbox deliveries and ${2 * count} messages at the sink, got ${sent} and ${sink.messages.length}`,
    );
    ok = false;
  }

  await db.destroy();
  await sink.stop();
  await pglite?.stop();
  if (admin) {
    const adminDb = knex({ client: 'pg', connection: admin });
    await adminDb.raw(`drop database if exists ${dbName} with (force)`);
    await adminDb.destroy();
  }
  return { count, directRate, outboxRate, ok };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { positionals } = parseArgs({ allowPositionals: true });
  const result = await measureOutbox(Number(positionals[0] ?? 300), (line) =>
    console.log(`[bench] ${line}`),
  );
  if (!result.ok) process.exitCode = 1;
}
