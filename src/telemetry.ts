// Preload of the app's processes (Procfile `node --import ./dist/src/telemetry.js …`): with
// OTEL_EXPORTER_OTLP_ENDPOINT set, starts OpenTelemetry before the app's modules load; else loads nothing.
import { register } from 'node:module';
import { loadConfig } from './config.ts';
import { runEntryPoint } from './platform/startup.ts';
import { setTelemetryFlush } from './platform/telemetry-flush.ts';
import { telemetryConfig } from './platform/telemetry.config.ts';

await runEntryPoint('telemetry', async () => {
  const config = loadConfig(process.env, { telemetry: telemetryConfig });
  if (config.telemetry.endpoint === undefined) return;
  // ESM imports can be instrumented only by a loader hook that is in place before they are linked:
  // hence a preload. The hook wraps only the modules the instrumentations ask for (http, express…),
  // which they tell it when the SDK starts; the app's own modules load as they would without it.
  const { createAddHookMessageChannel } = await import('import-in-the-middle');
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
  const { startTelemetry } = await import('./platform/telemetry-sdk.ts');
  setTelemetryFlush(startTelemetry(config.telemetry));
  await waitForAllMessagesAcknowledged();
});
