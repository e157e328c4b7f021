// Preload of the app's processes (Procfile `node --import ./dist/src/telemetry.js …`): with
// OTEL_EXPORTER_OTLP_ENDPOINT set, starts OpenTelemetry before the app's modules load; else loads nothing.
import { register } from 'node:module';
import { loadConfig } from './config.ts';
import { runEntryPoint } from './platform/startup.ts';
import { setTelemetryFlush } from './platform/telemetry-flush.ts';
import { telemetryConfig } from './platform/telemetry.config.ts';

// What the instrumentations in telemetry-sdk.ts patch when the app imports it (a require, as knex's of
// pg, needs no hook). Every other module loads as it would without telemetry.
const INSTRUMENTED = ['express', 'http', 'node:http', 'https', 'node:https', 'pg', 'pg-pool'];

await runEntryPoint('telemetry', async () => {
  const config = loadConfig(process.env, { telemetry: telemetryConfig });
  if (config.telemetry.endpoint === undefined) return;
  // ESM imports can be instrumented only by a loader hook that is in place before they are linked:
  // hence a preload. In-thread hooks where this Node has them (24.11.1 on): the other kind runs in a
  // thread of its own, about 30 MB more, and waits on it for every module the app loads.
  const hooks = await import('import-in-the-middle/register-hooks.mjs');
  if (hooks.supportsSyncHooks()) hooks.register({ include: INSTRUMENTED });
  else
    register('import-in-the-middle/hook.mjs', import.meta.url, { data: { include: INSTRUMENTED } });
  const { startTelemetry } = await import('./platform/telemetry-sdk.ts');
  setTelemetryFlush(startTelemetry(config.telemetry));
});
