// A log line a minute on how the process is doing: event-loop delay, heap, RSS and what keeps it busy,
// as fields for a log search and as l2met samples (sample#name=value) that log add-ons chart.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { SettingsOf } from '../config.ts';
import type { Logger } from './logger.ts';
import type { runtimeMetricsConfig } from './runtime-metrics.config.ts';

export interface RuntimeSample {
  /** How late the event loop ran its timers over the interval: a busy or blocked process runs late. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  heapUsedMb: number;
  heapTotalMb: number;
  rssMb: number;
  /** Sockets, timers, servers and other handles that keep the process alive. */
  activeHandles: number;
}

const RESOLUTION_MS = 10;
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
// The histogram holds the time between its timer's turns, so an idle loop reads as its resolution:
// what is over it is how late the loop ran.
const lateMs = (ns: number) => Math.max(0, Math.round((ns / 1e6 - RESOLUTION_MS) * 10) / 10);

/** The sample as l2met sees it: `sample#node.heap_used=41.2MB sample#node.eventloop.p99=3.1ms …`. */
export function l2met(sample: RuntimeSample): string {
  return [
    `sample#node.eventloop.p50=${sample.eventLoopDelayMs.p50}ms`,
    `sample#node.eventloop.p99=${sample.eventLoopDelayMs.p99}ms`,
    `sample#node.eventloop.max=${sample.eventLoopDelayMs.max}ms`,
    `sample#node.heap_used=${sample.heapUsedMb}MB`,
    `sample#node.heap_total=${sample.heapTotalMb}MB`,
    `sample#node.rss=${sample.rssMb}MB`,
    `sample#node.active_handles=${sample.activeHandles}`,
  ].join(' ');
}

/**
 * Logs a sample every interval, from a timer that does not keep the process alive; `stop()` ends it.
 * Off (a no-op) when the interval is 0.
 */
export function startRuntimeMetrics(
  settings: SettingsOf<typeof runtimeMetricsConfig>,
  logger: Logger,
): { sample(): RuntimeSample; stop(): void } {
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  const sample = (): RuntimeSample => {
    const memory = process.memoryUsage();
    const taken: RuntimeSample = {
      // The histogram is empty until the loop has turned once: 0, not NaN.
      eventLoopDelayMs: {
        p50: delay.count > 0 ? lateMs(delay.percentile(50)) : 0,
        p99: delay.count > 0 ? lateMs(delay.percentile(99)) : 0,
        max: delay.count > 0 ? lateMs(delay.max) : 0,
      },
      heapUsedMb: mb(memory.heapUsed),
      heapTotalMb: mb(memory.heapTotal),
      rssMb: mb(memory.rss),
      activeHandles: process.getActiveResourcesInfo().length,
    };
    delay.reset();
    return taken;
  };
  if (settings.intervalMs === 0) return { sample, stop: () => undefined };
  delay.enable();
  const timer = setInterval(() => {
    const taken = sample();
    logger.info({ runtime: taken }, l2met(taken));
  }, settings.intervalMs);
  timer.unref();
  return {
    sample,
    stop() {
      clearInterval(timer);
      delay.disable();
    },
  };
}
