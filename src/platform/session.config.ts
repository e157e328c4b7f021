// The sessions' part of the config: the secret that signs session and form cookies, and their flags.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { configPart, requiredInProduction } from '../config.ts';
import { COOKIE_DOMAIN } from './https.config.ts'; // @step 9+

export const sessionConfig = configPart({
  variables: {
    SESSION_SECRET: requiredInProduction(
      z.string().min(32, 'must be at least 32 characters'),
      'required in production: heroku config:set SESSION_SECRET=$(openssl rand -hex 32)',
    ),
    COOKIE_DOMAIN, // @step 9+
  },
  settings: (v, { production }) => ({
    // Elsewhere a fresh secret per start will do: the memory store forgets its sessions on restart anyway.
    secret: v.SESSION_SECRET ?? randomBytes(32).toString('hex'),
    /** What every cookie of the site is set with: no script reads it, and in production only HTTPS. */
    cookie: {
      httpOnly: true,
      sameSite: 'lax' as const,
      secure: production,
      ...(v.COOKIE_DOMAIN === undefined ? {} : { domain: v.COOKIE_DOMAIN }), // @step 9+
    },
  }),
});
