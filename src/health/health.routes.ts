// GET /healthz: a JSON report the platform and uptime monitors can poll.
import { Router } from 'express';
import type { AppModule } from '../modules.ts';
import { runHealthChecks } from '../platform/health.ts';

export const healthModule: AppModule = {
  name: 'health',
  routes(deps) {
    const router = Router();
    router.get('/healthz', async (_req, res) => {
      const report = await runHealthChecks(deps.healthChecks);
      res
        .status(report.status === 'ok' ? 200 : 503)
        .set('Cache-Control', 'no-store')
        .json({ ...report, uptimeSeconds: Math.round(process.uptime()) });
    });
    return router;
  },
};
