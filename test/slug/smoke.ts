// A smoke check of the running slug as Heroku's router and a visitor's browser would use it; run by hand
// with `node test/slug/smoke.ts`, it needs nothing but Node, so that it also runs in the pruned slug.
//
// It reads where everything is from the environment, and on the first wrong answer exits 1, saying
// what answered:
//   SMOKE_BASE_URL         the web process, e.g. http://127.0.0.1:5000
//   SMOKE_ROUTER_HEADERS   a JSON object of the headers the router adds to each request, e.g.
//                          {"X-Forwarded-Proto":"https","X-Forwarded-For":"203.0.113.7"}
// @step 3+
//   SMOKE_MAILBOX_URL      the SMTP server's inbox: GET /messages.json lists the messages it took,
//                          oldest first, as [{ to: [address], subject, … }]
// @end
// @step 4+
//   SMOKE_BUCKET_URL       the bucket over plain HTTP, path-style (http://HOST/BUCKET): where the
//                          browser's upload form posts, and, at the same paths, what the app links to
// @end
// @step 5+
//   SMOKE_WEB_CONCURRENCY  how many web processes serve SMOKE_BASE_URL
// @end
// @step 7+
//   SMOKE_ONE_OFF_ENV      a JSON object of the config vars a one-off dyno gets, to run a job with
// @end
import { randomBytes } from 'node:crypto'; // @step 2+
// @step 7+
import { spawnSync } from 'node:child_process';
// @end

type RequestHeaders = Record<string, string>;

// @step 2+
/** A signed-up visitor: their address, and the headers of each of their requests. */
interface Visitor {
  base: string;
  email: string;
  headers: RequestHeaders;
}
// @end

class SmokeFailure extends Error {}

function setting(name: string): string {
  const value = process.env[name];
  if (!value) throw new SmokeFailure(`${name} is not set (see the top of test/slug/smoke.ts)`);
  return value;
}

async function main() {
  const base = setting('SMOKE_BASE_URL');
  const router = JSON.parse(setting('SMOKE_ROUTER_HEADERS')) as RequestHeaders;
  await home(base, router);
  // @step 2+
  const visitor = await signUp(base, router);
  // What the visitor then does, in this order; a step adds one.
  const next: Array<(visitor: Visitor) => Promise<void>> = [
    (v) => sessionOnEveryProcess(v, Number(setting('SMOKE_WEB_CONCURRENCY'))), // @step 5+
    (v) => uploadPhoto(v, setting('SMOKE_BUCKET_URL')), // @step 4+
    (v) => welcomeEmail(v, setting('SMOKE_MAILBOX_URL')), // @step 3+
    (v) => digestByJob(v, setting('SMOKE_MAILBOX_URL'), setting('SMOKE_ONE_OFF_ENV')), // @step 7+
    (v) => requestIds(v), // @step 8+
    (v) => httpsOnly(v, setting('SMOKE_ONE_OFF_ENV')), // @step 9+
    () => productionChecklist(setting('SMOKE_ONE_OFF_ENV')), // @step 9+
  ];
  for (const check of next) await check(visitor);
  // @end
}

async function home(base: string, router: RequestHeaders) {
  const res = await fetch(`${base}/`, { headers: router });
  await res.arrayBuffer();
  const type = res.headers.get('content-type') ?? '';
  if (res.status !== 200 || !type.startsWith('text/html')) {
    throw new SmokeFailure(`GET / behind the router answered ${res.status} ${type}`);
  }
  // @step 6+
  // The live site must be found: a noindex that staging needs, left on here, takes it out of search.
  const robots = res.headers.get('x-robots-tag');
  if (robots !== null) {
    throw new SmokeFailure(`GET / in production sends X-Robots-Tag: ${robots}: is APP_ENV set?`);
  }
  // @end
  console.log('GET / behind the router: a page');
}

// @step 2+
/** One header line of each Set-Cookie, by cookie name. */
function cookiesOf(res: Response): Map<string, string> {
  return new Map(res.headers.getSetCookie().map((line) => [line.split('=')[0]!, line]));
}

/** Signs up behind the router: the cookies must be Secure, and the personal page private. */
async function signUp(base: string, router: RequestHeaders): Promise<Visitor> {
  const form = await fetch(`${base}/signup`, { headers: router });
  const page = await form.text();
  const formCookie = cookiesOf(form).get('form') ?? '';
  const token = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!token || !/;\s*Secure/i.test(formCookie)) {
    throw new SmokeFailure(
      `GET /signup behind the router answered ${form.status} with no token or no Secure form cookie ("${formCookie}")`,
    );
  }
  const email = `smoke-${randomBytes(4).toString('hex')}@example.com`;
  const signup = await fetch(`${base}/signup`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      ...router,
      'Content-Type': 'application/x-www-form-urlencoded',
      Cookie: formCookie.split(';')[0]!,
    },
    body: new URLSearchParams({
      email,
      displayName: 'Smoke',
      password: 'smoke the slug',
      _csrf: token,
    }).toString(),
  });
  await signup.arrayBuffer();
  const session = cookiesOf(signup).get('sid') ?? '';
  if (signup.status !== 303 || !/;\s*Secure/i.test(session)) {
    throw new SmokeFailure(
      `POST /signup behind the router answered ${signup.status}, session cookie "${session}"`,
    );
  }
  const headers = { ...router, Cookie: session.split(';')[0]! };
  const me = await fetch(`${base}/me`, { headers, redirect: 'manual' });
  const mine = await me.text();
  const caching = me.headers.get('cache-control');
  if (me.status !== 200 || !mine.includes('Smoke') || caching !== 'private, no-store') {
    throw new SmokeFailure(
      `GET /me after signup answered ${me.status}, Cache-Control ${caching}${me.status === 200 && !mine.includes('Smoke') ? ', without the name signed up with' : ''}`,
    );
  }
  console.log('signed up behind the router (https): Secure cookies, a private page');
  return { base, email, headers };
}
// @end

// @step 5+
/** Where the app says which process answered: the login must hold on each of the dyno's processes. */
async function sessionOnEveryProcess(visitor: Visitor, processes: number) {
  const served = new Set<string>();
  // The second process may still be starting when the first answers: give it ten seconds.
  for (const deadline = Date.now() + 10_000; served.size < processes && Date.now() < deadline;) {
    if (served.size > 0) await new Promise((r) => setTimeout(r, 100));
    // A new connection each time, as from another browser: the cluster hands it to the next process.
    const res = await fetch(`${visitor.base}/me`, {
      headers: { ...visitor.headers, Connection: 'close' },
      redirect: 'manual',
    });
    await res.arrayBuffer();
    const by = res.headers.get('x-served-by');
    if (!by) throw new SmokeFailure(`GET /me answered ${res.status} without X-Served-By`);
    if (res.status !== 200) {
      throw new SmokeFailure(
        `GET /me answered ${res.status} from ${by}: the session is not shared`,
      );
    }
    served.add(by);
  }
  if (served.size < processes) {
    throw new SmokeFailure(
      `with WEB_CONCURRENCY=${processes}, only ${[...served].join(', ')} answered GET /me`,
    );
  }
  console.log(`the login holds on every web process (${[...served].join(', ')})`);
}
// @end

// @step 4+
// A 1×1 PNG: what the photo check reads is its first bytes.
const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGOYMGECAANkAbHtuOatAAAAAElFTkSuQmCC',
  'base64',
);

/**
 * The photo, as the photo page's script sends it: an upload signed by the app, the file posted to the
 * bucket, a confirm that makes the app check it over HTTPS; then the photo's link is served as an image.
 */
async function uploadPhoto(visitor: Visitor, bucketUrl: string) {
  const photoPage = await fetch(`${visitor.base}/me/photo`, {
    headers: visitor.headers,
    redirect: 'manual',
  });
  const csrf = /data-csrf="([^"]+)"/.exec(await photoPage.text())?.[1];
  if (!csrf)
    throw new SmokeFailure(`GET /me/photo answered ${photoPage.status}, without a photo form`);
  const ask = (path: string, fields: Record<string, string>) =>
    fetch(`${visitor.base}${path}`, {
      method: 'POST',
      headers: {
        ...visitor.headers,
        Accept: 'application/json',
        'X-CSRF-Token': csrf,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(fields).toString(),
    });
  const signed = await ask('/me/photo/uploads', { type: 'image/png' });
  const upload = (await signed.json()) as {
    id: string;
    url: string;
    fields: Record<string, string>;
  };
  if (signed.status !== 201 || !upload.url?.startsWith('https://')) {
    throw new SmokeFailure(
      `signing an upload answered ${signed.status}: ${JSON.stringify(upload)}`,
    );
  }
  // The browser's leg goes straight to the bucket's server, over the address it is given here.
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append('file', new Blob([new Uint8Array(TINY_PNG)], { type: 'image/png' }), 'photo.png');
  const stored = await fetch(bucketUrl, { method: 'POST', body: form });
  if (stored.status !== 204) {
    throw new SmokeFailure(
      `the bucket answered the upload ${stored.status}: ${await stored.text()}`,
    );
  }
  const confirmed = await ask('/me/photo/confirm', { upload: upload.id });
  const body = (await confirmed.json()) as { photo?: { url: string } };
  if (confirmed.status !== 200 || !body.photo) {
    throw new SmokeFailure(
      `confirming the photo answered ${confirmed.status}: ${JSON.stringify(body)}`,
    );
  }
  const link = new URL(body.photo.url);
  const image = await fetch(`${new URL(bucketUrl).origin}${link.pathname}${link.search}`);
  await image.arrayBuffer();
  if (image.status !== 200 || image.headers.get('content-type') !== 'image/png') {
    throw new SmokeFailure(
      `the photo's link answered ${image.status} ${image.headers.get('content-type')}`,
    );
  }
  console.log(
    'uploaded a photo straight to the bucket; the app checked it over HTTPS and links to it',
  );
}
// @end

// @step 3+
/** The worker's welcome email, through the mail provider (STARTTLS and a login, as Mailgun wants). */
async function welcomeEmail(visitor: Visitor, mailboxUrl: string) {
  let messages: Array<{ to: string[] }> = [];
  for (const deadline = Date.now() + 20_000; messages.length === 0 && Date.now() < deadline;) {
    const res = await fetch(`${mailboxUrl}/messages.json`);
    if (res.status !== 200) throw new SmokeFailure(`the mailbox answered ${res.status}`);
    messages = (await res.json()) as typeof messages;
    if (messages.length === 0) await new Promise((r) => setTimeout(r, 200));
  }
  const [mail] = messages;
  if (!mail) throw new SmokeFailure('no email reached the mailbox within 20 s of the signup');
  if (mail.to[0] !== visitor.email) {
    throw new SmokeFailure(`the welcome email went to ${mail.to.join(', ')}, not ${visitor.email}`);
  }
  console.log('the worker delivered the welcome email over STARTTLS with a login');
}
// @end

// @step 7+
interface MailboxMessage {
  to: string[];
  subject: string;
  unsubscribe?: { url: string; oneClick: boolean };
}

async function messagesTo(mailboxUrl: string, address: string): Promise<MailboxMessage[]> {
  const res = await fetch(`${mailboxUrl}/messages.json`);
  if (res.status !== 200) throw new SmokeFailure(`the mailbox answered ${res.status}`);
  return ((await res.json()) as MailboxMessage[]).filter((m) => m.to[0] === address);
}

/**
 * The digest end to end: opting in on "my page", the job as Scheduler runs it (the compiled file, in a
 * one-off dyno's environment), the worker's delivery, and the mail client's one-click unsubscribe.
 */
async function digestByJob(visitor: Visitor, mailboxUrl: string, oneOffEnv: string) {
  const me = await fetch(`${visitor.base}/me`, { headers: visitor.headers });
  const token = /action="\/me\/digest"[\s\S]*?name="_csrf" value="([^"]+)"/.exec(
    await me.text(),
  )?.[1];
  if (!token) throw new SmokeFailure('GET /me has no digest form');
  const optIn = await fetch(`${visitor.base}/me/digest`, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...visitor.headers, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ digest: 'on', _csrf: token }).toString(),
  });
  await optIn.arrayBuffer();
  if (optIn.status !== 303) throw new SmokeFailure(`POST /me/digest answered ${optIn.status}`);

  // Whatever day this check runs on, the job's campaign is running and its hour has come.
  const now = Date.now();
  const day = 24 * 60 * 60 * 1000;
  const job = spawnSync(process.execPath, ['dist/src/job.js', 'digest'], {
    env: {
      ...process.env,
      ...(JSON.parse(oneOffEnv) as Record<string, string>),
      DYNO: 'scheduler.1',
      DIGEST_HOUR: '0',
      CAMPAIGN_STARTS_AT: new Date(now - day).toISOString(),
      CAMPAIGN_ENDS_AT: new Date(now + 30 * day).toISOString(),
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (job.status !== 0) {
    throw new SmokeFailure(
      `node dist/src/job.js digest exited ${job.status}:\n${job.stdout}${job.stderr}`,
    );
  }
  const summary = JSON.parse(job.stdout.trim().split('\n').at(-1)!) as { enqueued?: number };
  if (!summary.enqueued) throw new SmokeFailure(`the digest job wrote nothing: ${job.stdout}`);

  let digest: MailboxMessage | undefined;
  for (const deadline = Date.now() + 20_000; !digest && Date.now() < deadline;) {
    digest = (await messagesTo(mailboxUrl, visitor.email)).find((m) => m.unsubscribe);
    if (!digest) await new Promise((r) => setTimeout(r, 200));
  }
  if (!digest?.unsubscribe?.oneClick) {
    throw new SmokeFailure(
      'no digest with a one-click List-Unsubscribe reached the mailbox in 20 s',
    );
  }
  // The link names PUBLIC_URL; here the router is SMOKE_BASE_URL. A mail client sends no cookie.
  const { pathname } = new URL(digest.unsubscribe.url);
  const { Cookie: _cookie, ...router } = visitor.headers;
  const click = await fetch(`${visitor.base}${pathname}`, {
    method: 'POST',
    headers: { ...router, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
  });
  await click.arrayBuffer();
  const after = await (await fetch(`${visitor.base}/me`, { headers: visitor.headers })).text();
  if (click.status !== 200 || !after.includes('Send me the daily digest')) {
    throw new SmokeFailure(
      `the one-click unsubscribe answered ${click.status} and did not unsubscribe`,
    );
  }
  console.log(
    'the digest job ran from the compiled slug; its email came with a one-click unsubscribe that works',
  );
}
// @end

// @step 8+
/** The router's X-Request-ID comes back on the answer; one the router would not have kept is replaced. */
async function requestIds(visitor: Visitor) {
  const idOf = async (sent: string) => {
    const res = await fetch(`${visitor.base}/me`, {
      headers: { ...visitor.headers, 'X-Request-ID': sent },
    });
    await res.arrayBuffer();
    return res.headers.get('x-request-id');
  };
  const routers = randomBytes(16).toString('hex');
  const kept = await idOf(routers);
  if (kept !== routers) {
    throw new SmokeFailure(`GET /me with X-Request-ID ${routers} answered with ${String(kept)}`);
  }
  const odd = 'short one';
  const replaced = await idOf(odd);
  if (replaced === odd || !/^[0-9a-f-]{36}$/.test(replaced ?? '')) {
    throw new SmokeFailure(`GET /me with X-Request-ID "${odd}" answered with ${String(replaced)}`);
  }
  console.log(
    "the router's request id comes back on the answer; one it would not keep is replaced",
  );
}
// @end

// @step 9+
/**
 * What came over plain HTTP is sent to PUBLIC_URL, except the platform's /healthz; what comes over
 * HTTPS carries HSTS, and a policy that allows nothing inline.
 */
async function httpsOnly(visitor: Visitor, oneOffEnv: string) {
  const site = new URL((JSON.parse(oneOffEnv) as { PUBLIC_URL?: string }).PUBLIC_URL ?? '');
  if (site.protocol !== 'https:') {
    throw new SmokeFailure(
      `PUBLIC_URL is ${site.href || 'unset'}: the live site's address is https`,
    );
  }
  const plain = { ...visitor.headers, 'X-Forwarded-Proto': 'http' };
  for (const [method, status] of [
    ['GET', 301],
    ['POST', 308],
  ] as const) {
    const res = await fetch(`${visitor.base}/me?from=poster`, {
      method,
      headers: plain,
      redirect: 'manual',
    });
    await res.arrayBuffer();
    const location = res.headers.get('location');
    if (res.status !== status || location !== `${site.origin}/me?from=poster`) {
      throw new SmokeFailure(
        `${method} /me over plain HTTP answered ${res.status} to ${String(location)}, not ${status} to ${site.origin}/me?from=poster`,
      );
    }
  }
  const health = await fetch(`${visitor.base}/healthz`, { headers: plain, redirect: 'manual' });
  await health.arrayBuffer();
  if (health.status !== 200) {
    throw new SmokeFailure(`GET /healthz over plain HTTP answered ${health.status}, not 200`);
  }
  const page = await fetch(`${visitor.base}/me`, { headers: visitor.headers });
  await page.arrayBuffer();
  const hsts = page.headers.get('strict-transport-security') ?? '';
  const maxAge = Number(/max-age=(\d+)/.exec(hsts)?.[1] ?? 0);
  // Half a year is the least that browsers' HSTS checkers and the HTTP Observatory accept.
  if (maxAge < 15_768_000) {
    throw new SmokeFailure(`GET /me over HTTPS sent Strict-Transport-Security "${hsts}"`);
  }
  const policy = page.headers.get('content-security-policy') ?? '';
  if (!policy.includes("default-src 'none'") || /unsafe-inline/.test(policy)) {
    throw new SmokeFailure(`GET /me sent Content-Security-Policy "${policy}"`);
  }
  console.log(
    `plain HTTP goes to ${site.origin} (301, 308), /healthz stays; HTTPS answers carry HSTS and a strict CSP`,
  );
}

/** The production checklist's local part, in the slug with a one-off dyno's config: nothing fails. */
function productionChecklist(oneOffEnv: string): Promise<void> {
  const run = spawnSync(process.execPath, ['scripts/check-deploy.ts', '--json'], {
    env: { ...process.env, ...(JSON.parse(oneOffEnv) as Record<string, string>) },
    encoding: 'utf8',
  });
  let report: { checks: Array<{ id: string; status: string; message: string }> };
  try {
    report = JSON.parse(run.stdout) as typeof report;
  } catch {
    throw new SmokeFailure(`check:deploy exited ${run.status}:\n${run.stdout}${run.stderr}`);
  }
  const failed = report.checks.filter((check) => check.status === 'fail');
  if (run.status !== 0 || failed.length > 0) {
    throw new SmokeFailure(
      `check:deploy exited ${run.status}: ${failed.map((c) => `${c.id}: ${c.message}`).join('; ')}`,
    );
  }
  const warned = report.checks.filter((check) => check.status === 'warn').map((c) => c.id);
  console.log(
    `check:deploy's ${report.checks.length} local checks fail none${warned.length > 0 ? ` (warn: ${warned.join(', ')})` : ''}`,
  );
  return Promise.resolve();
}
// @end

main().catch((err: unknown) => {
  // A wrong answer is said in one line; anything else (a refused connection) with its stack.
  console.error(
    err instanceof SmokeFailure
      ? `smoke: ${err.message}`
      : `smoke: ${err instanceof Error ? err.stack : String(err)}`,
  );
  process.exitCode = 1;
});
