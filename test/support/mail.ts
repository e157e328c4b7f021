// A real SMTP server for a test file, and the worker's delivery loop pointed at it; both closed when
// the file ends.
import { type SmtpSink, startSmtpSink } from '../../scripts/dev/index.ts';
import { loadConfig } from '../../src/config.ts';
import type { Deps } from '../../src/deps.ts';
import { createDelivery, type Outcome } from '../../src/email/delivery.ts';
import { smtpConfig } from '../../src/email/email.config.ts';
import { createMailer } from '../../src/email/mailer.ts';
import { createOutboxRepo } from '../../src/email/outbox.repo.ts';
import { onCleanup } from './cleanup.ts';

export async function smtpSink(): Promise<SmtpSink> {
  const sink = await startSmtpSink();
  onCleanup(() => sink.stop());
  return sink;
}

/**
 * What the worker process does, in the test's process: the app's database, the SMTP server at
 * SMTP_URL in `env`, and delays of milliseconds instead of seconds.
 */
export function testDelivery(deps: Pick<Deps, 'db' | 'logger'>, env: Record<string, string>) {
  const { smtp } = loadConfig(env, { smtp: smtpConfig });
  const mailer = createMailer(smtp);
  // A pooled SMTP connection left open would keep the test file's process alive for its idle timeout.
  onCleanup(() => mailer.close());
  return createDelivery({
    db: deps.db,
    outbox: createOutboxRepo(),
    mailer,
    logger: deps.logger,
    maxAttempts: smtp.maxAttempts,
    retryBaseMs: 1,
    pollMs: 10,
    pauseBaseMs: 40,
  });
}

/** Delivers until nothing is due; returns what each attempt came to. */
export async function deliverDue(delivery: { deliverNext(): Promise<Outcome> }) {
  const outcomes: Outcome[] = [];
  for (let outcome = await delivery.deliverNext(); outcome !== 'idle';) {
    outcomes.push(outcome);
    if (outcome === 'unavailable') break;
    outcome = await delivery.deliverNext();
  }
  return outcomes;
}
