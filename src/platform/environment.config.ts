// Which environment this app is (development, review, staging, production), and the password that keeps
// a non-live one private: set per Heroku app, independent of NODE_ENV, which every deployed app sets alike.
import { z } from 'zod';
import { ConfigError, configPart, requiredInProduction } from '../config.ts';

export const ENVIRONMENTS = ['development', 'review', 'staging', 'production'] as const;
export type EnvironmentName = (typeof ENVIRONMENTS)[number];

const MIN_PASSWORD = 12;

export const environmentConfig = configPart({
  variables: {
    APP_ENV: requiredInProduction(
      z.enum(ENVIRONMENTS, { error: `must be one of ${ENVIRONMENTS.join(', ')}` }),
      'required in production: heroku config:set APP_ENV=production (or staging, review)',
    ),
    BASIC_AUTH_USER: z.string().trim().min(1).max(100).optional(),
    BASIC_AUTH_PASSWORD: z
      .string()
      .min(MIN_PASSWORD, `must be at least ${MIN_PASSWORD} characters: openssl rand -hex 12`)
      .optional(),
  },
  settings(v) {
    const name: EnvironmentName = v.APP_ENV ?? 'development';
    const user = v.BASIC_AUTH_USER;
    const password = v.BASIC_AUTH_PASSWORD;
    if (user !== undefined && password === undefined) {
      throw new ConfigError([
        'BASIC_AUTH_PASSWORD: required when BASIC_AUTH_USER is set (or unset BASIC_AUTH_USER)',
      ]);
    }
    if (password !== undefined && user === undefined) {
      throw new ConfigError([
        'BASIC_AUTH_USER: required when BASIC_AUTH_PASSWORD is set (or unset BASIC_AUTH_PASSWORD)',
      ]);
    }
    return {
      name,
      production: name === 'production',
      ...(user !== undefined && password !== undefined ? { access: { user, password } } : {}),
    };
  },
});
