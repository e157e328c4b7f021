// A person in a real browser: signs up, logs out and logs back in.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { buildTestApp } from '../support/app.ts';
import { browserSkipReason, launchChromium, serveForBrowser } from '../support/browser.ts';

const skip = browserSkipReason();
let browser: Browser;
let server: Server;
let base: string;

before(async () => {
  if (skip) return;
  const { app } = await buildTestApp({ CAMPAIGN_NAME: 'Browser Photo Contest' });
  ({ server, base } = await serveForBrowser(app));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.close();
});

test(
  'sign up, log out and log in again in Chromium',
  { skip: skip ?? false, timeout: 60_000 },
  async () => {
    const page = await browser.newPage();
    const cssFailures: string[] = [];
    page.on('response', (res) => {
      if (res.url().endsWith('.css') && !res.ok()) cssFailures.push(res.url());
    });

    await page.goto(base);
    await page.getByRole('link', { name: 'Sign up' }).click();
    await page.getByLabel('Email').fill('dana@example.com');
    await page.getByLabel('Display name').fill('Dana');
    await page.getByLabel('Password').fill('dana in chromium');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.waitForURL(`${base}/me`);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Hello, Dana');

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${base}/`);
    assert.equal(await page.getByRole('link', { name: 'Log in' }).count(), 1);

    await page.getByRole('link', { name: 'Log in' }).click();
    await page.getByLabel('Email').fill('DANA@example.com');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Log in' }).click();
    assert.match((await page.getByRole('alert').textContent()) ?? '', /do not match an account/);
    assert.equal(await page.getByLabel('Email').inputValue(), 'dana@example.com');

    await page.getByLabel('Password').fill('dana in chromium');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${base}/me`);
    assert.equal(await page.getByRole('link', { name: 'Dana' }).count(), 1);
    assert.deepEqual(cssFailures, [], 'the CSS loads under the Content-Security-Policy');
  },
);
