// Telemetry's part of the config: where traces and metrics go over OTLP, if anywhere. Unset, nothing loads.
import { z } from 'zod';
import { configPart } from '../config.ts';

export const telemetryConfig = configPart({
  variables: {
    // The OpenTelemetry SDK reads this and its other OTEL_* variables itself (OTEL_EXPORTER_OTLP_HEADERS
    // for an APM's key, OTEL_EXPORTER_OTLP_TIMEOUT, OTEL_LOG_LEVEL…); it is declared here because
    // whether it is set decides whether the SDK is loaded at all, and a malformed one should stop startup.
    OTEL_EXPORTER_OTLP_ENDPOINT: z
      .url({
        protocol: /^https?$/,
        hostname: /./,
        error: 'expected the base URL of an OTLP/HTTP receiver, such as http://127.0.0.1:4318',
      })
      .optional(),
    OTEL_SERVICE_NAME: z
      .string()
      .regex(/^[\w.-]{1,100}$/, 'expected up to 100 letters, digits, and _ . -')
      .default('campaign-kit'),
    // How often metrics are sent; the last ones go at shutdown whatever this is.
    OTEL_METRIC_EXPORT_INTERVAL: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  },
  settings: (v) => ({
    /** Unset: no telemetry, and none of its packages loaded. */
    endpoint: v.OTEL_EXPORTER_OTLP_ENDPOINT,
    serviceName: v.OTEL_SERVICE_NAME,
    metricIntervalMs: v.OTEL_METRIC_EXPORT_INTERVAL,
  }),
});
