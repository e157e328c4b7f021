// The one-off jobs `npm run job -- <name>` and Heroku Scheduler run; a new job appends one line.
import type { Jobs } from './platform/job.ts';
import { digestJob } from './digest/digest.job.ts';
import { pruneOutboxJob } from './email/outbox.prune.ts';
import { sweepUploadsJob } from './uploads/photos.jobs.ts';

export const jobs: Jobs = {
  digest: digestJob,
  'sweep-uploads': sweepUploadsJob,
  'prune-outbox': pruneOutboxJob,
};
