// The app's feature modules, mounted in this order; a new feature appends one line.
import type { Router } from 'express';
import type { Deps } from './deps.ts';
import { accountsModule } from './accounts/accounts.routes.ts'; // @step 2+
import { campaignModule } from './campaign/campaign.routes.ts';
import { healthModule } from './health/health.routes.ts';

export interface AppModule {
  routes(deps: Deps): Router;
}

export const modules: Readonly<Record<string, AppModule>> = {
  health: healthModule,
  campaign: campaignModule,
  accounts: accountsModule, // @step 2+
};
