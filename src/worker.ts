// Worker process entry point (Procfile `worker:`): delivers queued email until SIGTERM, finishing the
// message in hand before it exits.
import { loadConfig } from './config.ts';
import { createDeps } from './deps.ts';
import { createDelivery } from './email/delivery.ts';
import { createMailer } from './email/mailer.ts';
import { createOutboxRepo } from './email/outbox.repo.ts';
import { runEntryPoint } from './platform/startup.ts';

await runEntryPoint('worker', async () => {
  const config = loadConfig(process.env);
  const deps = await createDeps(config);
  const mailer = createMailer(config.mail);
  const delivery = createDelivery({
    db: deps.db,
    outbox: createOutboxRepo(),
    mailer,
    logger: deps.logger,
    maxAttempts: config.mail.maxAttempts,
    retryBaseMs: config.mail.retryBaseMs,
    pollMs: config.worker.pollMs,
  });

  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) return;
    deps.logger.info({ signal }, 'stopping after the message in hand');
    stop.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  deps.logger.info({ pollMs: config.worker.pollMs }, 'worker delivering email');
  await delivery.run(stop.signal);
  mailer.close();
  await deps.close();
  deps.logger.info('worker stopped');
});
