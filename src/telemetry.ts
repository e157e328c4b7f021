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
  // hence a preload, and the SDK imported after the hook.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  const { startTelemetry } = await import('./platform/telemetry-sdk.ts');
  setTelemetryFlush(startTelemetry(config.telemetry));
});
