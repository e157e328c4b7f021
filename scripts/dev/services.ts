// The registry of stand-in services that `npm run dev` starts for every backing-service URL not set.
import type { StandIn } from './stand-ins.ts';
import { postgres } from './services/postgres.ts'; // @step 2+
import { smtp } from './services/smtp.ts'; // @step 3+

// A new backing service goes in scripts/dev/services/<name>.ts, exporting a StandIn: import it above
// and append it to this list, whose order is the banner's. Stand-ins start side by side, before release.
// prettier-ignore
export const services: readonly StandIn[] = [
  postgres, // @step 2+
  smtp, // @step 3+
];
