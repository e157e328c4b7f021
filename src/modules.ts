// The app's feature modules in the order they are mounted; a new feature appends one line.
import type { Router } from 'express';
import type { Deps } from './deps.ts';
import { accountsModule } from './accounts/accounts.routes.ts'; // @step 2+
import { campaignModule } from './campaign/campaign.routes.ts';
import { healthModule } from './health/health.routes.ts';

export interface AppModule {
  readonly name: string;
  routes(deps: Deps): Router;
}

// prettier-ignore
export const modules: readonly AppModule[] = [
  healthModule,
  campaignModule,
  accountsModule, // @step 2+
];
