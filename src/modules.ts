// The app's feature modules, mounted in this order; a new feature adds one line.
import type { AppModules } from './app-module.ts';
import { accountsModule } from './accounts/accounts.routes.ts'; // @step 2+
import { campaignModule } from './campaign/campaign.routes.ts';
import { digestModule } from './digest/digest.routes.ts'; // @step 7+
import { healthModule } from './health/health.routes.ts';
import { httpsModule } from './platform/https.ts'; // @step 9+
import { clusterModule } from './platform/cluster.ts'; // @step 5+
import { environmentModule } from './platform/environment.ts'; // @step 6+
import { requestIdModule } from './platform/request-id.ts'; // @step 8+
import { photosModule } from './uploads/photos.routes.ts'; // @step 4+

export const modules: AppModules = {
  requestId: requestIdModule, // @step 8+
  https: httpsModule, // @step 9+
  health: healthModule,
  campaign: campaignModule,
  accounts: accountsModule, // @step 2+
  photos: photosModule, // @step 4+
  cluster: clusterModule, // @step 5+
  environment: environmentModule, // @step 6+
  digest: digestModule, // @step 7+
};
