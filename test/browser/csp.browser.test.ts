// Every page of the site in Chromium, with JavaScript and without, under the site's own
// Content-Security-Policy: each renders with its stylesheets, and the browser reports no violation.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { unsubscribeToken } from '../../src/digest/unsubscribe.ts';
import { buildTestApp } from '../support/app.ts';
import { browserSkipReason, launchChromium, serveForBrowser } from '../support/browser.ts';

const skip = browserSkipReason();
let browser: Browser;
let server: Server;
let base: string;
let built: Awaited<ReturnType<typeof buildTestApp>>;

before(async () => {
  if (skip) return;
  built = await buildTestApp({ CAMPAIGN_NAME: 'Policy Photo Contest' });
  ({ server, base } = await serveForBrowser(built.app));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.close();
});

/** What went wrong on a page: policy violations, and sub-resources that did not load. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
  });
  page.on('response', (res) => {
    if (res.request().resourceType() !== 'document' && !res.ok()) {
      problems.push(`${res.status()} ${res.url()}`);
    }
  });
  page.on('requestfailed', (req) => problems.push(`failed: ${req.url()}`));
  return problems;
}

/** Opens `path` and checks that it rendered: a heading, and Pico's stylesheet applied to it. */
async function render(context: BrowserContext, path: string, status = 200) {
  const page = await context.newPage();
  const problems = watch(page);
  const res = await page.goto(`${base}${path}`);
  assert.equal(res?.status(), status, path);
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  // Pico sets the page's font stack; the browser's own default is a serif.
  const font = String(await page.evaluate('getComputedStyle(document.body).fontFamily'));
  assert.match(font, /system-ui/, `${path}: the stylesheets apply`);
  // A violation reaches the console a moment after the load.
  await page.waitForTimeout(100);
  await page.close();
  return problems;
}

test(
  'every page renders under the policy, with JavaScript and without, and nothing is refused',
  { skip: skip ?? false, timeout: 120_000 },
  async () => {
    const scripted = await browser.newContext();
    const page = await scripted.newPage();
    const signUpProblems = watch(page);
    await page.goto(`${base}/signup`);
    await page.getByLabel('Email').fill('policy@example.com');
    await page.getByLabel('Display name').fill('Policy');
    await page.getByLabel('Password').fill('policy in chromium');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.waitForURL(`${base}/me`);
    assert.deepEqual(signUpProblems, []);

    const user = (await built.deps.db('users').where({ email: 'policy@example.com' }).first()) as {
      id: string;
      email: string;
    };
    const inAMonth = new Date(Date.now() + 30 * 86_400_000);
    const token = unsubscribeToken(built.deps.config.unsubscribe.secret, user, inAMonth);
    const pages: Array<[string, number?]> = [
      ['/'],
      ['/me'],
      ['/me/photo'],
      [`/unsubscribe/${token}`],
      ['/no-such-page', 404],
    ];
    // The same visitor, logged in, in a browser that runs no script at all.
    const unscripted = await browser.newContext({
      javaScriptEnabled: false,
      storageState: await scripted.storageState(),
    });
    const anonymous = await browser.newContext({ javaScriptEnabled: false });
    for (const [context, label] of [
      [scripted, 'with JavaScript'],
      [unscripted, 'without JavaScript'],
    ] as const) {
      for (const [path, status] of pages) {
        assert.deepEqual(await render(context, path, status), [], `${path} ${label}`);
      }
    }
    for (const path of ['/signup', '/login']) {
      assert.deepEqual(await render(anonymous, path), [], `${path} logged out`);
    }
    await Promise.all([scripted.close(), unscripted.close(), anonymous.close()]);
  },
);
