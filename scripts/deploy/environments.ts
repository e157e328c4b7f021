// The deploy environments: deploy/environments.json, validated, with errors that name the file and the fix.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

export const ENVIRONMENTS_FILE = 'deploy/environments.json';

const NAME = /^[a-z][a-z0-9-]*$/;

const environmentSchema = z.strictObject({
  app: z.string().regex(/^[a-z][a-z0-9-]{1,29}$/, 'a Heroku app name: lower case, digits, dashes'),
  branch: z.string().min(1),
  /** The environment whose running slug this one is promoted from (pipelines:promote). */
  promoteFrom: z.string().regex(NAME).optional(),
  /** Asks for the app's name before anything changes; defaults to true for promoteFrom or "production". */
  production: z.boolean().optional(),
});

/** The public bucket for the router's maintenance and error pages (scripts/deploy/pages.ts says why). */
const pagesSchema = z.strictObject({
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name'),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-west-1'),
  /** The bucket's public address, when not https://BUCKET.s3.REGION.amazonaws.com (a CDN, say). */
  publicBaseUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** Only for an S3-compatible service other than AWS (a local one in tests). */
  endpoint: z.url({ protocol: /^https?$/ }).optional(),
});

const fileSchema = z
  .strictObject({
    pipeline: z.string().min(1).optional(),
    pages: pagesSchema.optional(),
    environments: z.record(
      z.string().regex(NAME, 'an environment name: lower case'),
      environmentSchema,
    ),
  })
  .superRefine((file, ctx) => {
    for (const [name, env] of Object.entries(file.environments)) {
      if (env.promoteFrom === undefined) continue;
      if (!(env.promoteFrom in file.environments) || env.promoteFrom === name)
        ctx.addIssue({
          code: 'custom',
          path: ['environments', name, 'promoteFrom'],
          message: `"${env.promoteFrom}" is not another environment of this file`,
        });
    }
  });

export type EnvironmentsFile = z.infer<typeof fileSchema>;
export type PagesBucket = z.infer<typeof pagesSchema>;

export interface Environment {
  readonly name: string;
  readonly app: string;
  readonly branch: string;
  readonly promoteFrom: string | undefined;
  readonly production: boolean;
}

export class EnvironmentsError extends Error {}

/** Parses the file's text; every problem is listed with its path in the file. */
export function parseEnvironments(text: string, where = ENVIRONMENTS_FILE): EnvironmentsFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new EnvironmentsError(`${where} is not JSON: ${(err as Error).message}`);
  }
  const result = fileSchema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `  ${issue.path.join('.') || '(top level)'}: ${issue.message}`,
  );
  throw new EnvironmentsError(
    `${where} is not valid:\n${problems.join('\n')}\nFix it (see the example in the deploy guide) and run again.`,
  );
}

export async function readEnvironments(root: string): Promise<EnvironmentsFile> {
  const file = path.join(root, ENVIRONMENTS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new EnvironmentsError(
      `${ENVIRONMENTS_FILE} is missing: create it with the environments' app names (see the deploy guide).`,
    );
  }
  return parseEnvironments(text);
}

/** The named environment; an unknown name is an error listing the known ones. */
export function environmentOf(file: EnvironmentsFile, name: string): Environment {
  const env = file.environments[name];
  if (!env) {
    const known = Object.keys(file.environments).join(', ') || '(none)';
    throw new EnvironmentsError(`unknown environment "${name}": ${ENVIRONMENTS_FILE} has ${known}`);
  }
  return {
    name,
    app: env.app,
    branch: env.branch,
    promoteFrom: env.promoteFrom,
    production: env.production ?? (env.promoteFrom !== undefined || name === 'production'),
  };
}

/** The environment `promote` goes to: the one with promoteFrom, when there is exactly one. */
export function promotionTarget(file: EnvironmentsFile): Environment {
  const names = Object.entries(file.environments)
    .filter(([, env]) => env.promoteFrom !== undefined)
    .map(([name]) => name);
  const [only, ...others] = names;
  if (only === undefined || others.length > 0)
    throw new EnvironmentsError(
      names.length === 0
        ? `no environment in ${ENVIRONMENTS_FILE} has "promoteFrom": add it to the one promoted to`
        : `several environments have "promoteFrom" (${names.join(', ')}): name one, npm run deploy -- promote <environment>`,
    );
  return environmentOf(file, only);
}
