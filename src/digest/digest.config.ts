// The digest's parts of the config: the secret that signs unsubscribe links (web checks them, the job
// writes them), and when and in what batches the job sends.
import { z } from 'zod';
import { configPart, requiredInProduction } from '../config.ts';

/** Whether the runtime knows `name` as an IANA time zone (Europe/Berlin, America/New_York, UTC). */
function knownTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const unsubscribeConfig = configPart({
  variables: {
    UNSUBSCRIBE_SECRET: requiredInProduction(
      z.string().min(32, 'must be at least 32 characters'),
      'required in production: heroku config:set UNSUBSCRIBE_SECRET=$(openssl rand -hex 32)',
    ),
  },
  settings: (v) => ({
    // Outside production a fixed value, so that a link the job wrote still works in npm run dev after
    // a restart. It signs nothing of worth: production refuses to start without a secret of its own.
    secret: v.UNSUBSCRIBE_SECRET ?? 'development only: unsubscribe links made on this machine',
  }),
});

export const digestConfig = configPart({
  variables: {
    DIGEST_TIME_ZONE: z
      .string()
      .refine(knownTimeZone, 'expected an IANA time zone such as Europe/Berlin or UTC')
      .default('UTC'),
    DIGEST_HOUR: z.coerce.number().int().min(0).max(23).default(8),
    DIGEST_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(1000),
  },
  settings: (v) => ({
    /** The campaign day starts at midnight here, and the digest goes out from `hour` o'clock here. */
    timeZone: v.DIGEST_TIME_ZONE,
    hour: v.DIGEST_HOUR,
    batchSize: v.DIGEST_BATCH_SIZE,
  }),
});
