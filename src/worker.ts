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
import { createLogger, type Logger } from './platform/logger.ts';
import { runEntryPoint } from './platform/startup.ts';
// @step 8+
import { runtimeMetricsConfig } from './platform/runtime-metrics.config.ts';
import { startRuntimeMetrics } from './platform/runtime-metrics.ts';
import { flushTelemetry } from './platform/telemetry-flush.ts';
// @end

await runEntryPoint('worker', async () => {
  const config = loadConfig(process.env, {
    database: databaseConfig,
    smtp: smtpConfig,
    metrics: runtimeMetricsConfig, // @step 8+
  });
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

  const metrics = startRuntimeMetrics(config.metrics, logger); // @step 8+
  // #region loop
  const stop = new AbortController();
  let inHand = 'the message in hand';
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) return;
    logger.info({ signal }, 'stopping after the message in hand');
    stop.abort();
    // A database or SMTP server that hangs must not keep the worker until SIGKILL; the message in
    // hand, never committed, is delivered again later.
    const ms = config.smtp.shutdownTimeoutMs;
    setTimeout(() => exitAnyway(logger, `${inHand} did not finish within ${ms} ms`), ms).unref();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  logger.info({ pollMs: config.smtp.pollMs }, 'worker delivering email');
  await delivery.run(stop.signal);
  // #endregion
  inHand = 'closing the backing services';
  metrics.stop(); // @step 8+
  mailer.close();
  await services.close().catch((err: Error) => exitAnyway(logger, err.message));
  await flushTelemetry(); // @step 8+
  logger.info('worker stopped');
});

/** One line saying what was still open, then exit 1: the worker leaves before the platform kills it. */
function exitAnyway(logger: Logger, what: string): never {
  logger.fatal(`worker stopping: ${what}; exiting anyway`);
  process.exit(1);
}
