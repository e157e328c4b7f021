// Worker process entry point (Procfile `worker:`): delivers queued email until SIGTERM, finishing the
// message in hand before it exits.
import { loadConfig } from './config.ts';
import { createDelivery } from './email/delivery.ts';
import { smtpConfig } from './email/email.config.ts';
import { createMailer } from './email/mailer.ts';
import { createOutboxRepo } from './email/outbox.repo.ts';
import { BackingServices } from './platform/backing-services.ts';
import { databaseConfig } from './platform/db.config.ts';
import { openDatabase } from './platform/db.ts';
import { createLogger } from './platform/logger.ts';
import { runEntryPoint } from './platform/startup.ts';

await runEntryPoint('worker', async () => {
  const config = loadConfig(process.env, { database: databaseConfig, smtp: smtpConfig });
  const logger = createLogger(config.log);
  const services = new BackingServices();
  const db = openDatabase(config.database, logger, services);
  await services.ready();
  const mailer = createMailer(config.smtp);
  const delivery = createDelivery({
    db,
    outbox: createOutboxRepo(),
    mailer,
    logger,
    maxAttempts: config.smtp.maxAttempts,
    retryBaseMs: config.smtp.retryBaseMs,
    pollMs: config.smtp.pollMs,
  });

  // #region loop
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) return;
    logger.info({ signal }, 'stopping after the message in hand');
    stop.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  logger.info({ pollMs: config.smtp.pollMs }, 'worker delivering email');
  await delivery.run(stop.signal);
  mailer.close();
  await services.close();
  logger.info('worker stopped');
  // #endregion
});
