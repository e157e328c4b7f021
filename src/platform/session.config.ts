// The sessions' part of the config: the secret that signs session and form cookies.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { configPart, requiredInProduction } from '../config.ts';

export const sessionConfig = configPart({
  variables: {
    SESSION_SECRET: requiredInProduction(
      z.string().min(32, 'must be at least 32 characters'),
      'required in production: heroku config:set SESSION_SECRET=$(openssl rand -hex 32)',
    ),
  },
  settings: (v, { production }) => ({
    // Elsewhere a fresh secret per start will do: the memory store forgets its sessions on restart anyway.
    secret: v.SESSION_SECRET ?? randomBytes(32).toString('hex'),
    secureCookie: production,
  }),
});
