// Web process entry point (Procfile `web:`): config, dependencies, app, then listen on $PORT.
import { createApp } from './app.ts';
import { createDeps, loadWebConfig } from './deps.ts';
import { exitOnSignals, serve } from './platform/http-server.ts';
import { runEntryPoint } from './platform/startup.ts';
import { startRuntimeMetrics } from './platform/runtime-metrics.ts'; // @step 8+
// @step 5+
import { forkWorkers } from './platform/cluster.ts';
import { createLogger } from './platform/logger.ts';
// @end
import { flushTelemetry } from './platform/telemetry-flush.ts'; // @step 8+

// #region entry
await runEntryPoint('web', async () => {
  const config = loadWebConfig(process.env);
  if (await forkWorkers(config.cluster, createLogger(config.log))) return; // @step 5+
  const deps = await createDeps(config);
  const running = await serve(createApp(deps), {
    port: config.web.port,
    logger: deps.logger,
    shutdownTimeoutMs: config.web.shutdownTimeoutMs,
    onClose: async () => {
      await deps.services.close();
      await flushTelemetry(); // @step 8+
    },
  });
  exitOnSignals(running, deps.logger);
  startRuntimeMetrics(config.metrics, deps.logger); // @step 8+
  deps.logger.info(
    { port: running.port, env: config.env },
    `listening on http://localhost:${running.port}`,
  );
});
// #endregion
