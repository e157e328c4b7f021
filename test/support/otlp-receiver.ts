// A local OTLP/HTTP receiver: collects what exporters POST to /v1/traces and /v1/metrics (JSON bodies).
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; arrayValue?: { values: Array<{ stringValue?: string }> } };
}

export interface OtlpSpan {
  name: string;
  kind: number;
  attributes: OtlpAttribute[];
}

export interface OtlpReceiver {
  /** The base URL, for OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  /** Every span received so far, from every export. */
  spans(): OtlpSpan[];
  /** The names of every metric received so far. */
  metricNames(): string[];
  /** The headers of each export, in order: the exporter's OTEL_EXPORTER_OTLP_HEADERS arrive here. */
  headers(): Array<Record<string, string | string[] | undefined>>;
  /** How many exports arrived, and their bytes, parsed or not. */
  received(): { exports: number; bytes: number };
  close(): Promise<void>;
}

interface TracesBody {
  resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: OtlpSpan[] }> }>;
}
interface MetricsBody {
  resourceMetrics?: Array<{ scopeMetrics?: Array<{ metrics?: Array<{ name: string }> }> }>;
}

/**
 * `parse: false` only counts what arrives: a bench's receiver, in the process that makes the load,
 * should take as little of its CPU as a collector elsewhere would.
 */
export async function startOtlpReceiver({ parse = true } = {}): Promise<OtlpReceiver> {
  let exports = 0;
  let bytes = 0;
  const traces: TracesBody[] = [];
  const metrics: MetricsBody[] = [];
  const headers: Array<Record<string, string | string[] | undefined>> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const json = req.headers['content-type']?.startsWith('application/json') ?? false;
      if (req.method !== 'POST' || !json) {
        res
          .writeHead(415)
          .end('this receiver takes OTLP/HTTP JSON: POST /v1/traces or /v1/metrics');
        return;
      }
      exports++;
      bytes += body.length;
      if (parse) {
        headers.push(req.headers);
        const parsed: unknown = JSON.parse(body.toString('utf8'));
        if (req.url === '/v1/traces') traces.push(parsed as TracesBody);
        else if (req.url === '/v1/metrics') metrics.push(parsed as MetricsBody);
        else return void res.writeHead(404).end();
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans: () =>
      traces.flatMap((t) =>
        (t.resourceSpans ?? []).flatMap((r) => (r.scopeSpans ?? []).flatMap((s) => s.spans ?? [])),
      ),
    metricNames: () =>
      metrics.flatMap((m) =>
        (m.resourceMetrics ?? []).flatMap((r) =>
          (r.scopeMetrics ?? []).flatMap((s) => (s.metrics ?? []).map((metric) => metric.name)),
        ),
      ),
    headers: () => headers,
    received: () => ({ exports, bytes }),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
