// GET /: the campaign landing page, rendered on the server.
import { Router } from 'express';
import type { AppModule } from '../app-module.ts';
import { page } from '../web/layout.ts';
import { campaignPhase } from './campaign.ts';
import { landingView } from './campaign.views.ts';

export const campaignModule: AppModule = {
  routes(deps) {
    const router = Router();
    const { campaign } = deps.config;
    router.get('/', (_req, res) => {
      const body = landingView(campaign, campaignPhase(campaign, deps.now()));
      res.send(page(res.locals, 'Welcome', body));
    });
    return router;
  },
};
