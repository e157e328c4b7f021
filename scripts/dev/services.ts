// The stand-ins that `npm run dev` starts for every backing-service URL not set, in the banner's order.
// A new backing service goes in scripts/dev/services/<name>.ts, exporting a StandIn, and one line here.
import type { StandIn } from './stand-ins.ts';
import { postgres } from './services/postgres.ts'; // @step 2+
import { smtp } from './services/smtp.ts'; // @step 3+
import { s3 } from './services/s3.ts'; // @step 4+
import { redis } from './services/redis.ts'; // @step 5+

export const services: Readonly<Record<string, StandIn>> = {
  postgres, // @step 2+
  smtp, // @step 3+
  s3, // @step 4+
  redis, // @step 5+
};
