// The OpenTelemetry SDK, imported only when telemetry is configured: traces and metrics over OTLP/HTTP,
// with http (server and client), express and pg instrumented.
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { startNodeSdk } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import type { SettingsOf } from '../config.ts';
import type { telemetryConfig } from './telemetry.config.ts';

export type TelemetrySettings = SettingsOf<typeof telemetryConfig>;

/** Starts the SDK; the function it returns sends what is buffered and stops it. */
export function startTelemetry(settings: TelemetrySettings): () => Promise<void> {
  const sdk = startNodeSdk({
    resourceAttributes: { 'service.name': settings.serviceName },
    // The exporters take OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_EXPORTER_OTLP_HEADERS from the environment
    // themselves, and add /v1/traces and /v1/metrics to the endpoint.
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })],
    metricReaders: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter(),
        exportIntervalMillis: settings.metricIntervalMs,
      }),
    ],
    instrumentations: [
      new HttpInstrumentation({
        // The request id on the request's span: the one the router sent, or the one the app answered
        // with, so that a trace can be found from a log line and the other way round.
        headersToSpanAttributes: {
          server: { requestHeaders: ['x-request-id'], responseHeaders: ['x-request-id'] },
        },
      }),
      // A span per router and handler, with the route; one per middleware (a dozen a request) would
      // cost more than the request itself and say little that the route does not.
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }),
      // Queries within a request or a job's span: the worker's poll of the outbox, once a second,
      // would otherwise be a trace of its own each time.
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  return () => sdk.shutdown();
}
