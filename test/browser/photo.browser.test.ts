// A person in a real browser picks a photo on their page and sees it become their profile picture:
// once with JavaScript (signed for the file's type, a progress bar, no reload), once without (the form
// posts to the bucket and S3's redirect brings the browser back).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { buildTestApp } from '../support/app.ts';
import { startTestBucket } from '../support/bucket.ts';
import { browserSkipReason, launchChromium } from '../support/browser.ts';
import { png } from '../support/images.ts';

const skip = browserSkipReason();
let browser: Browser;
let server: Server;
let base: string;

before(async () => {
  if (skip) return;
  // The bucket's CORS rule names the site's origin, so the site's port is taken first.
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const bucket = await startTestBucket([base]);
  const { app } = await buildTestApp(bucket.env);
  server.on('request', app);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.closeAllConnections();
  server?.close();
});

/** Signs up, lands on my page, and follows its link to the page that changes the photo. */
async function signUpAs(page: Page, name: string) {
  await page.goto(`${base}/signup`);
  await page.getByLabel('Email').fill(`${name.toLowerCase()}@example.com`);
  await page.getByLabel('Display name').fill(name);
  await page.getByLabel('Password').fill(`${name} picks a photo`);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.waitForURL(`${base}/me`);
  await page.getByRole('link', { name: 'Add a photo' }).click();
  await page.waitForURL(`${base}/me/photo`);
}

/** The photo on the page, once the browser has loaded and decoded it from the bucket. */
async function shownPhoto(page: Page) {
  const photo = page.getByRole('img', { name: 'Your profile photo' });
  await photo.waitFor({ state: 'visible' });
  // Browser code as text (the tests are type-checked without the DOM's types), polled from here: the page's
  // CSP forbids the eval that waitForFunction would need.
  const loaded =
    "(() => { const img = document.querySelector('img[data-photo]');" +
    ' return img !== null && img.complete && img.naturalWidth > 0; })()';
  for (const started = Date.now(); !(await page.evaluate(loaded));) {
    if (Date.now() - started > 10_000) throw new Error('the photo did not load within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return photo;
}

test(
  'with JavaScript: the photo uploads with a progress bar and appears without a reload',
  { skip: skip ?? false, timeout: 60_000 },
  async (t) => {
    const page = await browser.newPage();
    const refused: string[] = [];
    page.on('console', (message) => {
      if (/Content.Security.Policy|CORS/i.test(message.text())) refused.push(message.text());
    });
    await signUpAs(page, 'Juno');
    // The progress bar's highest value, kept on another element: the bar hides once the upload is done.
    await page.evaluate(`(() => {
      const bar = document.querySelector('progress');
      new MutationObserver(() => {
        const seen = Number(document.body.dataset.highestProgress ?? 0);
        document.body.dataset.highestProgress = String(Math.max(seen, bar.value));
      }).observe(bar, { attributeFilter: ['value'] });
    })()`);
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));

    const file = png(1280, 1280, 'noise');
    await page.getByLabel('Choose a photo').setInputFiles({
      name: 'juno.png',
      mimeType: 'image/png',
      buffer: file,
    });
    const started = performance.now();
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByText('Your new photo is on your page.').waitFor();
    const seconds = (performance.now() - started) / 1000;
    t.diagnostic(
      `${(file.length / 1024 / 1024).toFixed(1)} MB uploaded and shown in ${seconds.toFixed(2)} s`,
    );

    const photo = await shownPhoto(page);
    assert.match(
      (await photo.getAttribute('src')) ?? '',
      /^http:\/\/127\.0\.0\.1:\d+\/campaign-uploads\/photos\//,
    );
    assert.equal(await page.getByText('No photo yet.').count(), 0);
    assert.deepEqual(navigations, [], 'the page did not reload');
    assert.equal(await page.locator('body').getAttribute('data-highest-progress'), '100');
    assert.deepEqual(refused, [], 'nothing was blocked by CSP or CORS');

    // A file that is not an image is refused with a message on the page, and the photo stays.
    await page.getByLabel('Choose a new photo').setInputFiles({
      name: 'notes.png',
      mimeType: 'image/png',
      buffer: Buffer.from('these are not pixels'),
    });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByText(/not a JPEG, PNG or WebP image/).waitFor();
    assert.equal(
      await photo.getAttribute('src'),
      await (await shownPhoto(page)).getAttribute('src'),
    );
  },
);

test(
  'without JavaScript: the form, signed again by a reload, posts to the bucket, S3 sends the browser back, and the photo is shown',
  { skip: skip ?? false, timeout: 60_000 },
  async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await signUpAs(page, 'Noor');
    assert.equal(await page.getByText('No photo yet.').count(), 1);
    // Each view signs the form again, for the upload the earlier views were signed for.
    await page.reload();

    await page.getByLabel('Choose a photo').setInputFiles({
      name: 'noor.png',
      mimeType: 'image/png',
      buffer: png(64, 64),
    });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.waitForURL(`${base}/me#photo-heading`);
    await shownPhoto(page);
    assert.equal(await page.getByText('No photo yet.').count(), 0);
    await context.close();
  },
);
