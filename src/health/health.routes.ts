// GET /healthz: whether each backing service answers, for the platform and uptime monitors. The
// public answer says up or down; why a service is down goes to the log.
import { Router } from 'express';
import type { AppModule } from '../app-module.ts';

export const healthModule: AppModule = {
  routes(deps) {
    const router = Router();
    router.get('/healthz', async (req, res) => {
      const { failures, ...report } = await deps.services.health();
      if (report.status !== 'ok') req.log.warn({ failures }, 'health check failed');
      res
        .status(report.status === 'ok' ? 200 : 503)
        .set('Cache-Control', 'no-store')
        .json(report);
    });
    return router;
  },
};
