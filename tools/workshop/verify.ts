// Proves every generated step works as an attendee and Heroku will use it: a clean `npm ci`, typecheck,
// lint and tests, then the build, the pruned slug, and `npm start` answering /healthz.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/dev/ready.ts';
import { provideAddons, type AddonSpec, type ProvidedAddons } from './addons.ts';
import type { LocalS3 } from '../../scripts/dev/s3-server.ts';
import type { SmtpSink } from '../../scripts/dev/smtp-sink.ts';
import { localCertificate } from './tls.ts';
import { appJsonProblems } from './app-json-schema.ts';

export interface VerifyOptions {
  /** Extra environment for every command (for example DATABASE_URL for the machine's Postgres). */
  env?: Record<string, string>;
  /** Values for app.json variables that are required without a value. */
  appEnv: Record<string, string>;
  /** Heroku's app.json schema; each step's app.json must satisfy it. */
  appJsonSchema: object;
  keep?: boolean;
  log: (line: string) => void;
}

interface AppJson {
  env?: Record<string, { value?: string; generator?: string; required?: boolean }>;
  addons?: Array<string | AddonSpec>;
}

const MARKER_TEXT = /(\/\/|#)\s*@(step|end)\b|^\s*(\/\/|#)~ |(\/\/|#)\s*#(end)?region\b/m;

export async function verifyRepository(
  repoDir: string,
  tags: readonly string[],
  options: VerifyOptions,
) {
  const results: Array<{ tag: string; seconds: number }> = [];
  for (const tag of tags) {
    const started = performance.now();
    const dir = await mkdtemp(path.join(tmpdir(), `verify-${tag}-`));
    try {
      await verifyStep(repoDir, tag, dir, options);
    } finally {
      if (!options.keep) await rm(dir, { recursive: true, force: true });
    }
    const seconds = (performance.now() - started) / 1000;
    options.log(`${tag}: verified in ${seconds.toFixed(1)} s`);
    results.push({ tag, seconds });
  }
  return results;
}

async function verifyStep(repoDir: string, tag: string, dir: string, options: VerifyOptions) {
  const archive = execFileSync('git', ['archive', '--format=tar', tag], {
    cwd: repoDir,
    maxBuffer: 1 << 30,
  });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  await assertNoMarkers(dir, tag);
  const problems = appJsonProblems(
    options.appJsonSchema,
    JSON.parse(await readFile(path.join(dir, 'app.json'), 'utf8')),
  );
  if (problems.length > 0)
    throw new Error(`${tag}: app.json does not match Heroku's schema:\n  ${problems.join('\n  ')}`);
  options.log(`${tag}: app.json matches Heroku's app.json schema`);

  const env = { ...process.env, ...options.env, NODE_ENV: 'test', CI: 'true' };
  const step = async (
    label: string,
    command: string,
    args: string[],
    extraEnv: NodeJS.ProcessEnv = env,
  ) => {
    const started = performance.now();
    options.log(`${tag}: ${label} …`);
    await runQuiet(command, args, dir, extraEnv, `${tag}: ${label}`);
    options.log(`${tag}: ${label} ok (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  };

  // npm ci must install devDependencies even though the slug check later runs in production mode.
  await step('npm ci', 'npm', ['ci', '--no-audit', '--no-fund', '--include=dev']);
  await step('typecheck', 'npm', ['run', '--silent', 'typecheck']);
  await step('lint', 'npm', ['run', '--silent', 'lint']);
  await step('test', 'npm', ['test']);
  await step('build', 'npm', ['run', '--silent', 'build']);
  await step('prune devDependencies', 'npm', ['prune', '--omit=dev', '--no-audit', '--no-fund']);
  await checkSlug(dir, tag, options);
}

async function assertNoMarkers(dir: string, tag: string) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const text = await readFile(file, 'utf8');
    const match = MARKER_TEXT.exec(text);
    if (match) {
      throw new Error(
        `${tag}: ${path.relative(dir, file)} still holds marker text "${match[0].trim()}"`,
      );
    }
  }
}

/** Runs the Procfile's release command, then `npm start` as Heroku would, and polls /healthz. */
async function checkSlug(dir: string, tag: string, options: VerifyOptions) {
  const appJson = JSON.parse(await readFile(path.join(dir, 'app.json'), 'utf8')) as AppJson;
  const herokuEnv: Record<string, string> = {};
  for (const [name, spec] of Object.entries(appJson.env ?? {})) {
    if (spec.generator === 'secret') herokuEnv[name] = randomBytes(32).toString('hex');
    else if (spec.value !== undefined) herokuEnv[name] = spec.value;
    else if (options.appEnv[name] !== undefined) herokuEnv[name] = options.appEnv[name];
    else if (spec.required !== false) {
      throw new Error(
        `${tag}: app.json requires ${name} without a value: give the pruned-slug check one in steps/steps.json under verify.env`,
      );
    }
  }
  // Heroku's services present certificates of no public authority; the app must cope, as on Heroku.
  // SMTP's is checked (a provider's is public), so the slug's processes are told to trust this one.
  const certificate = await localCertificate();
  const addons = await provideAddons(
    appJson.addons ?? [],
    { ...process.env, ...options.env },
    certificate,
  );
  try {
    for (const line of addons.describe) options.log(`${tag}: add-on ${line}`);
    const env = { ...herokuEnv, ...addons.env, NODE_EXTRA_CA_CERTS: certificate.file };
    await runSlug(dir, tag, env, addons, options);
  } finally {
    await addons.release();
  }
}

async function runSlug(
  dir: string,
  tag: string,
  herokuEnv: Record<string, string>,
  { mailbox, bucket }: Pick<ProvidedAddons, 'mailbox' | 'bucket'>,
  options: VerifyOptions,
) {
  const port = await freePort();
  const env = {
    ...process.env,
    ...options.env,
    ...herokuEnv,
    NODE_ENV: 'production',
    PORT: String(port),
    // What the Node buildpack sets on a 1 GB dyno: two web processes, where a step runs them.
    WEB_CONCURRENCY: '2',
    DYNO: 'web.1',
  };
  const procfile = await readFile(path.join(dir, 'Procfile'), 'utf8');
  const release = /^release:\s*(.+)$/m.exec(procfile)?.[1];
  if (release) {
    options.log(`${tag}: release phase in the pruned slug: ${release}`);
    await runQuiet('sh', ['-c', release], dir, env, `${tag}: release`);
  }

  // Other process types (a worker) run beside web, as their dynos would, and must stop cleanly too.
  const others = [...procfile.matchAll(/^([\w-]+):\s*(.+)$/gm)]
    .filter(([, name]) => name !== 'web' && name !== 'release')
    .map(([, name, command]) => startBackground(tag, name!, command!, dir, env, options));

  // Heroku runs the Procfile's web command itself; `npm start` must work too (no Procfile means npm start).
  const web = /^web:\s*(.+)$/m.exec(procfile)?.[1];
  if (!web) throw new Error(`${tag}: the Procfile has no web process`);
  try {
    await checkServer(tag, ['sh', '-c', `exec ${web}`], dir, env, port, true, options, () =>
      visitThroughRouter(tag, port, others.length > 0 ? mailbox : undefined, bucket, options),
    );
    await checkServer(tag, ['npm', 'start', '--silent'], dir, env, port, false, options);
  } finally {
    for (const other of others) await other.stop();
  }
}

/** Starts a non-web process type; stop() insists it was still running and exits 0 on SIGTERM. */
function startBackground(
  tag: string,
  name: string,
  command: string,
  dir: string,
  env: NodeJS.ProcessEnv,
  options: VerifyOptions,
) {
  options.log(`${tag}: ${name}: ${command} in the pruned slug …`);
  const proc = spawnGroup(['sh', '-c', `exec ${command}`], dir, env);
  const started = Date.now();
  return {
    async stop() {
      // Long enough to have booted and settled into its loop: a crash on boot shows up here.
      await new Promise((r) => setTimeout(r, Math.max(0, 3000 - (Date.now() - started))));
      if (proc.child.exitCode !== null) {
        throw new Error(
          `${tag}: ${name} exited early with ${proc.child.exitCode} in the pruned slug:\n${proc.output()}`,
        );
      }
      const code = await proc.terminate();
      if (code !== 0) {
        throw new Error(`${tag}: after SIGTERM, ${name} exited with ${code}:\n${proc.output()}`);
      }
      options.log(`${tag}: ${name} ran beside web and exited 0 on SIGTERM`);
    },
  };
}

/** Starts a server, checks / and /healthz, then SIGTERMs its process group as the dyno manager does. */
async function checkServer(
  tag: string,
  [command, ...args]: string[],
  dir: string,
  env: NodeJS.ProcessEnv,
  port: number,
  expectCleanExit: boolean,
  options: VerifyOptions,
  whileUp?: () => Promise<void>,
) {
  const label = [command, ...args].join(' ');
  options.log(`${tag}: ${label} in the pruned slug …`);
  const proc = spawnGroup([command!, ...args], dir, env);
  const { child, output } = proc;
  let code: number | null | 'timeout';
  try {
    const deadline = Date.now() + 30_000;
    let healthy = false;
    while (Date.now() < deadline && child.exitCode === null) {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { keepalive: false }).catch(
        () => undefined,
      );
      await res?.arrayBuffer();
      if (res?.ok) {
        healthy = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    if (!healthy) throw new Error(`${tag}: ${label} never answered /healthz:\n${output()}`);
    const home = await fetch(`http://127.0.0.1:${port}/`);
    await home.arrayBuffer();
    if (!home.ok)
      throw new Error(`${tag}: GET / answered ${home.status} under ${label}:\n${output()}`);
    try {
      await whileUp?.();
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${output()}`, { cause: err });
    }
  } finally {
    code = await proc.terminate();
  }
  if (expectCleanExit && code !== 0) {
    throw new Error(`${tag}: after SIGTERM, ${label} exited with ${code}:\n${output()}`);
  }
  options.log(
    `${tag}: ${label} served / and /healthz${expectCleanExit ? ', exited 0 on SIGTERM' : ''}`,
  );
}

/** One header line of each Set-Cookie, by cookie name. */
function cookiesOf(res: Response): Map<string, string> {
  return new Map(res.headers.getSetCookie().map((line) => [line.split('=')[0]!, line]));
}

/**
 * A visitor as Heroku's router delivers them (`X-Forwarded-Proto: https`): signs up where the step
 * has accounts, checks the cookies are Secure and the personal page private, and, with a worker and a
 * mail provider, that the welcome email arrives through STARTTLS and a login.
 */
async function visitThroughRouter(
  tag: string,
  port: number,
  mailbox: SmtpSink | undefined,
  bucket: LocalS3 | undefined,
  options: VerifyOptions,
) {
  const base = `http://127.0.0.1:${port}`;
  const router = { 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '203.0.113.7' };
  const form = await fetch(`${base}/signup`, { headers: router });
  const page = await form.text();
  if (form.status === 404) return;
  const formCookie = cookiesOf(form).get('form') ?? '';
  const token = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!token || !/;\s*Secure/i.test(formCookie)) {
    throw new Error(`${tag}: GET /signup behind the router gave no token or no Secure form cookie`);
  }
  const email = `verify-${randomBytes(4).toString('hex')}@example.com`;
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
      displayName: 'Verify',
      password: 'verify the slug',
      _csrf: token,
    }).toString(),
  });
  await signup.arrayBuffer();
  const session = cookiesOf(signup).get('sid') ?? '';
  if (signup.status !== 303 || !/;\s*Secure/i.test(session)) {
    throw new Error(
      `${tag}: POST /signup behind the router answered ${signup.status}, session cookie "${session}"`,
    );
  }
  const me = await fetch(`${base}/me`, {
    headers: { ...router, Cookie: session.split(';')[0]! },
    redirect: 'manual',
  });
  const mine = await me.text();
  if (
    me.status !== 200 ||
    !mine.includes('Verify') ||
    me.headers.get('cache-control') !== 'private, no-store'
  ) {
    throw new Error(
      `${tag}: GET /me after signup answered ${me.status}, Cache-Control ${me.headers.get('cache-control')}`,
    );
  }
  options.log(`${tag}: signed up behind the router (https): Secure cookies, a private page`);
  if (me.headers.has('x-served-by'))
    await sessionOnEveryProcess(tag, base, router, session, options);
  if (bucket) {
    const visit = { base, headers: { ...router, Cookie: session.split(';')[0]! } };
    await uploadPhoto(tag, visit, bucket, options);
  }
  if (!mailbox) return;
  const [mail] = await mailbox.waitFor(1, 20_000);
  if (mail?.envelope.to[0] !== email) {
    throw new Error(
      `${tag}: the welcome email went to ${mail?.envelope.to.join(', ')}, not ${email}`,
    );
  }
  options.log(`${tag}: the worker delivered the welcome email over STARTTLS with a login`);
}

/** Where the app says which process answered: the login must hold on each of the dyno's processes. */
async function sessionOnEveryProcess(
  tag: string,
  base: string,
  router: Record<string, string>,
  session: string,
  options: VerifyOptions,
) {
  const served = new Set<string>();
  // The second process may still be starting when the first answers: give it ten seconds.
  for (const deadline = Date.now() + 10_000; served.size < 2 && Date.now() < deadline;) {
    if (served.size > 0) await new Promise((r) => setTimeout(r, 100));
    // A new connection each time, as from another browser: the cluster hands it to the next process.
    const res = await fetch(`${base}/me`, {
      headers: { ...router, Cookie: session.split(';')[0]!, Connection: 'close' },
      redirect: 'manual',
    });
    await res.arrayBuffer();
    const by = res.headers.get('x-served-by') ?? 'unknown';
    if (res.status !== 200) {
      throw new Error(
        `${tag}: GET /me answered ${res.status} from ${by}: the session is not shared`,
      );
    }
    served.add(by);
  }
  if (served.size < 2) {
    throw new Error(`${tag}: with WEB_CONCURRENCY=2, only ${[...served].join()} answered`);
  }
  options.log(`${tag}: the login holds on both web processes (${[...served].join(', ')})`);
}

// A 1×1 PNG: what the photo check reads is its first bytes.
const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGOYMGECAANkAbHtuOatAAAAAElFTkSuQmCC',
  'base64',
);

/**
 * The photo, as the photo page's script sends it: an upload signed by the slug, the file posted to the
 * bucket, a confirm that makes the slug check it over HTTPS; then the photo's link is served as an image.
 */
async function uploadPhoto(
  tag: string,
  visit: { base: string; headers: Record<string, string> },
  bucket: LocalS3,
  options: VerifyOptions,
) {
  const photoPage = await fetch(`${visit.base}/me/photo`, {
    headers: visit.headers,
    redirect: 'manual',
  });
  const csrf = /data-csrf="([^"]+)"/.exec(await photoPage.text())?.[1];
  if (!csrf)
    throw new Error(`${tag}: GET /me/photo answered ${photoPage.status}, without a photo form`);
  const ask = (path: string, fields: Record<string, string>) =>
    fetch(`${visit.base}${path}`, {
      method: 'POST',
      headers: {
        ...visit.headers,
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
  if (signed.status !== 201 || !upload.url.startsWith('https://')) {
    throw new Error(
      `${tag}: signing an upload answered ${signed.status}: ${JSON.stringify(upload)}`,
    );
  }
  // The browser's leg goes straight to the bucket's server: it needs no certificate of ours.
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append('file', new Blob([new Uint8Array(TINY_PNG)], { type: 'image/png' }), 'photo.png');
  const stored = await fetch(`${bucket.url}/${bucket.bucket}`, { method: 'POST', body: form });
  if (stored.status !== 204) {
    throw new Error(
      `${tag}: the bucket answered the upload ${stored.status}: ${await stored.text()}`,
    );
  }
  const confirmed = await ask('/me/photo/confirm', { upload: upload.id });
  const body = (await confirmed.json()) as { photo?: { url: string } };
  if (confirmed.status !== 200 || !body.photo) {
    throw new Error(
      `${tag}: confirming the photo answered ${confirmed.status}: ${JSON.stringify(body)}`,
    );
  }
  const link = new URL(body.photo.url);
  const image = await fetch(`${bucket.url}${link.pathname}${link.search}`);
  await image.arrayBuffer();
  if (image.status !== 200 || image.headers.get('content-type') !== 'image/png') {
    throw new Error(
      `${tag}: the photo's link answered ${image.status} ${image.headers.get('content-type')}`,
    );
  }
  options.log(
    `${tag}: uploaded a photo straight to the bucket; the slug checked it over HTTPS and links to it`,
  );
}

/**
 * A process in a group of its own, as a dyno is: terminate() sends SIGTERM to the whole group, as the
 * dyno manager does, and SIGKILL 30 s later, returning the exit code (or 'timeout').
 */
export function spawnGroup([command, ...args]: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const child = spawn(command!, args, {
    cwd,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    async terminate(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null | 'timeout'> {
      if (child.exitCode !== null) return child.exitCode;
      process.kill(-child.pid!, signal);
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        exited,
        new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 30_000))),
      ]);
      clearTimeout(timer);
      if (code === 'timeout') process.kill(-child.pid!, 'SIGKILL');
      return code;
    },
  };
}

export function runQuiet(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  label: string,
) {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) return resolve();
      const tail = Buffer.concat(chunks).toString('utf8').split('\n').slice(-60).join('\n');
      reject(
        new Error(
          `${label} failed (exit ${code}) in ${cwd}:\n${tail}\nRerun with --keep to inspect the step's folder.`,
        ),
      );
    });
  });
}
