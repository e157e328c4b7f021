// The app's feature modules, mounted in this order; a new feature appends one line.
import type { Router } from 'express';
import type { Deps } from './deps.ts';
import { accountsModule } from './accounts/accounts.routes.ts'; // @step 2+
import { campaignModule } from './campaign/campaign.routes.ts';
import { healthModule } from './health/health.routes.ts';
import { photosModule } from './uploads/photos.routes.ts'; // @step 4+

/** Origins other than this site's that a module's pages use, by Content-Security-Policy directive. */
export interface ContentSources {
  formAction?: string[];
  connectSrc?: string[];
  imgSrc?: string[];
}

export interface AppModule {
  routes(deps: Deps): Router;
  /** What the module's pages need from elsewhere; nothing unless it says so. */
  contentSources?(deps: Deps): ContentSources;
}

export const modules: Readonly<Record<string, AppModule>> = {
  health: healthModule,
  campaign: campaignModule,
  accounts: accountsModule, // @step 2+
  photos: photosModule, // @step 4+
};
