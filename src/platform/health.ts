// Health checks that /healthz runs: each backing service registers one in deps.
export interface HealthCheck {
  readonly name: string;
  readonly check: () => Promise<void>;
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  checks: Record<string, { ok: boolean; error?: string }>;
}

export async function runHealthChecks(
  checks: readonly HealthCheck[],
  timeoutMs = 2000,
): Promise<HealthReport> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([check(), timeout]);
        return [name, { ok: true }] as const;
      } catch (err) {
        return [
          name,
          { ok: false, error: err instanceof Error ? err.message : String(err) },
        ] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return {
    status: results.every(([, r]) => r.ok) ? 'ok' : 'degraded',
    checks: Object.fromEntries(results) as HealthReport['checks'],
  };
}
