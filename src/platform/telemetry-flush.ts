// The last telemetry a process sends before it exits: the preload (src/telemetry.ts) says how to send
// it, the entry points' exit paths call flushTelemetry. Without telemetry it does nothing.
import { withDeadline } from './backing-services.ts';

// It comes after closing the backing services (CLOSE_TIMEOUT_MS at most), within the half second a
// cluster primary allows beyond that and before the platform's SIGKILL: the process leaves in time
// even when the receiver does not answer.
export const TELEMETRY_FLUSH_MS = 400;

let flush: (() => Promise<void>) | undefined;

/** Called once by the preload that started the SDK. */
export function setTelemetryFlush(send: () => Promise<void>): void {
  flush = send;
}

/** Sends what is still buffered (spans, the last metrics) and stops the SDK, waiting `timeoutMs` at most. */
export async function flushTelemetry(timeoutMs = TELEMETRY_FLUSH_MS): Promise<void> {
  const send = flush;
  flush = undefined;
  if (!send) return;
  try {
    await withDeadline(send(), timeoutMs, (ms) => new Error(`telemetry not sent within ${ms} ms`));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    process.stderr.write(
      `telemetry: the last spans and metrics were lost (${reason}): check that OTEL_EXPORTER_OTLP_ENDPOINT answers\n`,
    );
  }
}
