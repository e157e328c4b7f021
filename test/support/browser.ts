// Headless Chromium for browser tests, driven by playwright-core: the system's Chromium, never a download.
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Express } from 'express';
import { chromium, type Browser } from 'playwright-core';

/** $CHROME_PATH, or where Debian and Homebrew put Chromium; undefined when there is none. */
export function chromiumPath(): string | undefined {
  return [
    process.env.CHROME_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
  ].find((candidate): candidate is string => !!candidate && existsSync(candidate));
}

/**
 * A reason to skip when no Chromium is installed, so `npm test` still passes on a laptop without one;
 * CI sets REQUIRE_BROWSER=1, which turns a missing browser into a failure instead.
 */
export function browserSkipReason(): string | undefined {
  if (chromiumPath()) return undefined;
  if (process.env.REQUIRE_BROWSER === '1') {
    throw new Error(
      'REQUIRE_BROWSER=1 but no Chromium found: install it (apt-get install chromium) or set CHROME_PATH',
    );
  }
  return 'no Chromium installed: set CHROME_PATH to run the browser tests';
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath()!,
    headless: true,
    // No sandbox as root in CI; no background traffic to hosts a closed network cannot reach.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** The app on a free port of this machine, for a browser: its server and its address. */
export async function serveForBrowser(app: Express): Promise<{ server: Server; base: string }> {
  const server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { server, base: `http://127.0.0.1:${port}` };
}
