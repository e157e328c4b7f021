// The response headers as the MDN HTTP Observatory grades them: the app in production behind a local
// router that ends TLS as Heroku's does, scanned over http:// and https:// by the Observatory's own
// scanner and scored by its own rules. The bar is its top grade, A+.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs, { existsSync, type PathOrFileDescriptor } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, mock, test, type TestContext } from 'node:test';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { scan, type ObservatoryTest, type ScanResult } from '@mdn/mdn-http-observatory';
import { MINIMUM_SCORE_FOR_EXTRA_CREDIT } from '@mdn/mdn-http-observatory/src/grader/charts.js';
import { getRecommendation } from '@mdn/mdn-http-observatory/src/grader/grader.js';
import { startRouter } from '../../scripts/dev/router.ts';
import { webTestEnv } from '../support/app.ts';
import { testBucket } from '../support/bucket.ts';
import { onCleanup } from '../support/cleanup.ts';
import { startHttpsRouter, type HttpsRouter } from '../support/https-router.ts';
import { freePort, startWeb } from '../support/process.ts';
import { NO_REDIS, requireRedis, selfSignedCertificate } from '../support/redis.ts';

// Node 24.5 is the first to let a running process trust one more certificate authority.
const NO_TRUST_API =
  typeof tls.setDefaultCACertificates === 'function'
    ? false
    : `needs Node 24.5 or later (this is ${process.version}) to trust the router's certificate`;

// The scanner reads Chromium's HSTS preload list from a file its install step downloads; an offline
// install (package.json's allowScripts denies that step) has none. No name under 127.0.0.1 is on the
// list, so an empty one answers as the real one would for this host.
const preloadList = fileURLToPath(
  new URL('../conf/hsts-preload.json', import.meta.resolve('@mdn/mdn-http-observatory')),
);

const preloadListNote = existsSync(preloadList)
  ? 'the HSTS preload list the install step downloaded'
  : 'an empty HSTS preload list (the install step that downloads it did not run)';

let router: HttpsRouter | undefined;
let skip: string | false = NO_TRUST_API;
const trusted = tls.getCACertificates('default');

before(async () => {
  if (skip) return;
  // Production refuses the in-memory session store: Redis is needed (CI sets REQUIRE_REDIS=1, so
  // that a missing one fails there instead of skipping).
  const redis = await requireRedis();
  if (!redis) {
    skip = NO_REDIS;
    return;
  }
  const certificate = await selfSignedCertificate();
  const certificateFile = path.join(await mkdtemp(path.join(tmpdir(), 'observatory-')), 'ca.pem');
  await writeFile(certificateFile, certificate.cert);
  onCleanup(() => rm(path.dirname(certificateFile), { recursive: true, force: true }));
  // A real bucket's address is public HTTPS: the CSP names that origin, where the local server's
  // plain http:// would cost points that production does not lose. The app checks the bucket at
  // start, so the local one is put behind TLS, with a certificate the app is told to trust.
  const bucket = await testBucket();
  const bucketOverTls = await startRouter({ port: 0, targets: [bucket.port], tls: certificate });
  onCleanup(() => bucketOverTls.stop());
  const port = await freePort();
  const env = { ...(await webTestEnv()), ...redis.env };
  const now = Date.now();
  const day = 24 * 60 * 60 * 1000;
  const web = await startWeb({
    ...env,
    NODE_ENV: 'production',
    APP_ENV: 'production',
    LOG_LEVEL: 'warn',
    // Heroku's Postgres takes TLS only; this one is local and plain, and not what is graded here.
    DATABASE_URL: `${env.DATABASE_URL}${env.DATABASE_URL?.includes('?') ? '&' : '?'}sslmode=disable`,
    S3_ENDPOINT: `https://127.0.0.1:${bucketOverTls.port}`,
    NODE_EXTRA_CA_CERTS: certificateFile,
    PUBLIC_URL: `https://127.0.0.1:${port}`,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    UNSUBSCRIBE_SECRET: randomBytes(32).toString('hex'),
    MAIL_FROM: 'Contest <contest@example.com>',
    CAMPAIGN_STARTS_AT: new Date(now - day).toISOString(),
    CAMPAIGN_ENDS_AT: new Date(now + 30 * day).toISOString(),
  });
  router = await startHttpsRouter({ port, webPort: Number(new URL(web.url).port), certificate });
  // The scanner runs in this process and checks certificates: it is told to trust the router's, as
  // browsers trust the one Heroku's router presents.
  tls.setDefaultCACertificates([...trusted, certificate.cert]);
  if (!existsSync(preloadList)) {
    const read = fs.readFileSync;
    mock.method(fs, 'readFileSync', ((file: PathOrFileDescriptor, options?: unknown) =>
      file === preloadList
        ? '{}'
        : read(file, options as BufferEncoding)) as typeof fs.readFileSync);
  }
});

after(() => {
  mock.restoreAll();
  if (!NO_TRUST_API) tls.setDefaultCACertificates(trusted);
});

const plain = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/** What a test read, in one short line: the header's value, the route, the cookies or the policy. */
function detail(test: ObservatoryTest): string {
  const seen = test.route ?? test.data;
  if (seen === null || seen === undefined) return '';
  const text = typeof seen === 'string' ? seen : JSON.stringify(seen);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** The scan as lines: the grade and score, then each test's result, points, what it read and advice. */
function report(url: string, result: ScanResult): string[] {
  const { grade, score, testsPassed, testsQuantity, algorithmVersion } = result.scan;
  const lines = [
    `${url}: grade ${grade}, score ${score} (${testsPassed} of ${testsQuantity} tests passed; ` +
      `scoring algorithm ${algorithmVersion}; bonus points count once the score without them ` +
      `reaches ${MINIMUM_SCORE_FOR_EXTRA_CREDIT})`,
  ];
  for (const [name, test] of Object.entries(result.tests)) {
    const points = test.scoreModifier ?? 0;
    lines.push(
      `  ${test.pass ? 'pass' : 'FAIL'} ${name}: ${test.result} (${points > 0 ? '+' : ''}${points})`,
    );
    const seen = detail(test);
    if (seen) lines.push(`      read: ${seen}`);
    const advice = test.result ? plain(getRecommendation(test.result)) : '';
    if (advice && advice !== 'None') lines.push(`      advice: ${advice}`);
  }
  return lines;
}

async function scanned(t: TestContext, path: string): Promise<ScanResult> {
  assert.ok(router, 'the router is up');
  const result = await scan(`${router.host}${path}`);
  for (const line of report(`${router.host}${path} over http:// and https://`, result)) {
    t.diagnostic(line);
  }
  t.diagnostic(`  scored with ${preloadListNote}`);
  return result;
}

/**
 * The grade must be A+, and every test must pass: bonus points can lift a site with a failing test
 * (HSTS for less than half a year, say) to A+ all the same. A failure names each test that failed or
 * lost points.
 */
function assertTopGrade(result: ScanResult) {
  const short = Object.entries(result.tests)
    .filter(([, test]) => !test.pass || (test.scoreModifier ?? 0) < 0)
    .map(([name, test]) => `${name}: ${test.result} (${test.scoreModifier})`);
  const { grade, score } = result.scan;
  assert.equal(
    grade,
    'A+',
    `the Observatory grades ${grade} (${score}): ${short.join('; ') || 'no test lost points, but the bonuses fall short'}`,
  );
  assert.deepEqual(short, [], `the Observatory grades ${grade} (${score}), but tests fail`);
}

describe('the response headers earn the HTTP Observatory’s top grade, every test passed', () => {
  test('the landing page, which is what the Observatory scans for a site', async (t) => {
    if (skip) return t.skip(skip);
    assertTopGrade(await scanned(t, '/'));
  });

  test('the signup form, which sets cookies', async (t) => {
    if (skip) return t.skip(skip);
    const result = await scanned(t, '/signup');
    assert.notEqual(result.tests.cookies?.result, 'cookies-not-found', 'the form sets its cookie');
    assertTopGrade(result);
  });
});
