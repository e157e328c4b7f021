// app.json's structure, for the slug: the schema Heroku publishes is checked with ajv in the tests and in
// workshop:verify, but ajv is a devDependency and is pruned, so this follows the same schema's rules in zod.
import { z } from 'zod';

const SIZES = [
  'free',
  'eco',
  'hobby',
  'basic',
  'standard-1x',
  'standard-2x',
  'performance-m',
  'performance-l',
  'private-s',
  'private-m',
  'private-l',
  'shield-s',
  'shield-m',
  'shield-l',
] as const;

const envVar = z.strictObject({
  description: z.string().optional(),
  value: z.string().optional(),
  required: z.boolean().optional(),
  generator: z.literal('secret').optional(),
});
// The schema constrains names only by the shape of their values; a name of any case is a config var.
const env = z.record(z.string(), envVar);
const formation = z.record(
  z.string(),
  z.strictObject({
    quantity: z.int().min(0),
    size: z.enum(SIZES, { error: `expected one of ${SIZES.join(', ')}` }).optional(),
  }),
);
const addons = z.array(
  z.union([
    z.string(),
    z.strictObject({
      plan: z.string(),
      as: z.string().optional(),
      options: z.record(z.string(), z.unknown()).optional(),
    }),
  ]),
);
const buildpacks = z.array(z.strictObject({ url: z.string() }));
// An environment's keys replace the base keys; the published schema leaves their insides open.
const environment = z.looseObject({
  env: z.record(z.string(), z.unknown()).optional(),
  formation: z.record(z.string(), z.unknown()).optional(),
  addons: z.array(z.unknown()).optional(),
  buildpacks: z.array(z.unknown()).optional(),
});

export const appJsonSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-zA-Z-_.]+/)
    .max(300)
    .optional(),
  description: z.string().optional(),
  keywords: z.array(z.string()).optional(),
  website: z.string().optional(),
  repository: z.string().optional(),
  logo: z.string().optional(),
  success_url: z.string().optional(),
  scripts: z
    .strictObject({ postdeploy: z.string().optional(), 'pr-predestroy': z.string().optional() })
    .optional(),
  env: env.optional(),
  formation: formation.optional(),
  addons: addons.optional(),
  buildpacks: buildpacks.optional(),
  environments: z
    .strictObject({
      test: environment
        .extend({ scripts: z.strictObject({ test: z.string().optional() }).optional() })
        .optional(),
      review: environment.optional(),
      production: environment.optional(),
    })
    .optional(),
  stack: z.enum(['heroku-18', 'heroku-20', 'heroku-22', 'heroku-24']).optional(),
  image: z.string().optional(),
});

/** What is wrong with `value` as an app.json, one line each; empty when its structure is valid. */
export function appJsonProblems(value: unknown): string[] {
  const parsed = appJsonSchema.safeParse(value);
  if (parsed.success) return [];
  return parsed.error.issues.map(
    (issue) => `app.json${issue.path.map((p) => `/${String(p)}`).join('')}: ${issue.message}`,
  );
}
