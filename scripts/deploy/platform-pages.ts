// The deploy's first step: the router's maintenance and error pages published, and the app told their URLs.
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { messageOf } from '../../src/platform/errors.ts';
import type { Context } from './context.ts';
import type { PagesBucket } from './environments.ts';
import { DeployFailure, NOTHING_CHANGED } from './output.ts';
import { defaultPublicBaseUrl, pagesConfigChanges, publishPages, PAGES_PREFIX } from './pages.ts';

/** What the plan says about the pages, dry run or not. */
export function pagesLine(pages: PagesBucket | undefined, app: string): string {
  if (!pages)
    return 'platform pages: Heroku\'s own (add "pages" to deploy/environments.json for the campaign\'s)';
  return `platform pages: published to s3://${pages.bucket}/${PAGES_PREFIX}, and ${app}'s MAINTENANCE_PAGE_URL and ERROR_PAGE_URL set where they changed`;
}

/**
 * Publishes public/platform/ to the pages bucket and sets the two URLs on the app where they differ;
 * answers whether it set any (which made a release). Before maintenance goes on, so the page it
 * shows is this one.
 */
export async function publishPlatformPages(
  ctx: Context,
  pages: PagesBucket | undefined,
  app: string,
): Promise<boolean> {
  if (!pages) return false;
  ctx.out.step(
    `publishing the maintenance and error pages to s3://${pages.bucket}/${PAGES_PREFIX}`,
  );
  // The AWS SDK's own credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY): the
  // deployer's, allowed to write the pages bucket, never the app's photo bucket keys.
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = ctx.env;
  const client = new S3Client({
    region: pages.region,
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
    ...(pages.endpoint ? { endpoint: pages.endpoint, forcePathStyle: true } : {}),
  });
  let urls;
  try {
    urls = await publishPages({
      client,
      bucket: pages.bucket,
      publicBaseUrl:
        pages.publicBaseUrl ?? defaultPublicBaseUrl({ bucket: pages.bucket, region: pages.region }),
      dir: path.join(ctx.root, 'public/platform'),
    });
  } catch (err) {
    throw new DeployFailure(
      `the pages could not be published to s3://${pages.bucket}: ${messageOf(err)}`,
      NOTHING_CHANGED,
      [
        'check the AWS credentials in this shell (aws sts get-caller-identity) and that they may write the bucket',
        'or remove "pages" from deploy/environments.json to deploy with Heroku\'s own pages',
      ],
    );
  } finally {
    client.destroy();
  }
  const current = (await ctx.heroku.json('config', ['-a', app])) as Record<string, string>;
  const changes = pagesConfigChanges(current, urls);
  const assignments = Object.entries(changes).map(([name, url]) => `${name}=${url}`);
  if (assignments.length === 0) {
    ctx.out.line(`  the pages are unchanged: ${app}'s config stays as it is`);
    return false;
  }
  ctx.out.step(`setting ${Object.keys(changes).join(' and ')} on ${app} (a config release)`);
  await ctx.heroku.run('config:set', [...assignments, '-a', app]);
  return true;
}
