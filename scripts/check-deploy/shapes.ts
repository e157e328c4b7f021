// The fields the production check reads from the CLI's JSON (Platform API resources; the data API's for
// Redis), checked with zod so that a changed shape is said as such rather than read as "not set".
import { z } from 'zod';

const named = z.looseObject({ name: z.string() });

export const appInfoShape = z.looseObject({
  app: z.looseObject({
    name: z.string(),
    acm: z.boolean(),
    stack: named,
    build_stack: named.nullish(),
    web_url: z.string().nullish(),
  }),
});

export const dynosShape = z.array(
  z.looseObject({ name: z.string(), type: z.string(), size: z.string(), state: z.string() }),
);

export const addonsShape = z.array(
  z.looseObject({
    name: z.string(),
    addon_service: z.looseObject({ name: z.string().optional() }),
    plan: z.looseObject({ name: z.string().optional() }),
    config_vars: z.array(z.string()).default([]),
  }),
);

export const domainsShape = z.array(
  z.looseObject({
    hostname: z.string(),
    kind: z.string(),
    acm_status: z.string().nullable().default(null),
    acm_status_reason: z.string().nullable().default(null),
  }),
);

export const featuresShape = z.array(z.looseObject({ name: z.string(), enabled: z.boolean() }));

export const drainsShape = z.array(
  z.looseObject({ url: z.string(), addon: z.looseObject({ name: z.string() }).nullish() }),
);

export const redisShape = z.array(
  z.looseObject({
    name: z.string(),
    info: z.array(
      z.looseObject({
        name: z.string(),
        values: z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])),
      }),
    ),
  }),
);

export const configShape = z.record(z.string(), z.string());

export type AppInfo = z.output<typeof appInfoShape>;
export type Dyno = z.output<typeof dynosShape>[number];
export type Addon = z.output<typeof addonsShape>[number];
export type Domain = z.output<typeof domainsShape>[number];
export type Feature = z.output<typeof featuresShape>[number];
export type Drain = z.output<typeof drainsShape>[number];
export type RedisDatabase = z.output<typeof redisShape>[number];

/** `heroku apps:stacks` has no --json: its lines name each stack, "* " before the app's own. */
export function stacksFromText(text: string): string[] {
  return [...text.matchAll(/^[ *] +([\w-]+)/gm)].map((m) => m[1]!);
}

export interface BackupSchedule {
  readonly name: string;
  readonly at: string;
}

/** `heroku pg:backups:schedules` has no --json: "DATABASE_URL: daily at 2:00 Europe/Berlin" a schedule. */
export function schedulesFromText(text: string): BackupSchedule[] {
  return [...text.matchAll(/^(\S+): daily at (\S+ \S+)\s*$/gm)].map((m) => ({
    name: m[1]!,
    at: m[2]!,
  }));
}
