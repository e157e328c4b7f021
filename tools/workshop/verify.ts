// Proves every generated step works as an attendee and Heroku will use it: a clean `npm ci`, typecheck,
// lint and tests, then the build, the pruned slug, and `npm start` answering /healthz.
//
// What the app does beyond / and /healthz is the step's own to check, and verify knows nothing of it:
// when the step's tree has test/slug/smoke.ts, `node test/slug/smoke.ts` runs in the pruned slug while
// the Procfile's web command is up, and must exit 0. Its environment says where everything is, alike
// for every step (a variable is unset when the step's app.json has no such add-on):
//   SMOKE_BASE_URL         the web process over plain HTTP, as the router reaches it: http://127.0.0.1:PORT
//   SMOKE_ROUTER_HEADERS   a JSON object of the headers Heroku's router adds to each request
//   SMOKE_WEB_CONCURRENCY  how many web processes the web command was asked for (its WEB_CONCURRENCY)
//   SMOKE_MAILBOX_URL      the mail add-on's stand-in: GET /messages.json lists the messages it took,
//                          oldest first, as [{ id, receivedAt, from, to: [address], subject,
//                          unsubscribe?: { url, oneClick } }]
//   SMOKE_BUCKET_URL       the bucket add-on's stand-in over plain HTTP, path-style (http://HOST/BUCKET):
//                          where a browser's upload form posts, and, at the same paths, the objects
//                          that the app's links name on the HTTPS address only the slug trusts
//   SMOKE_ONE_OFF_ENV      a JSON object of the config vars a one-off dyno of the app gets (heroku run,
//                          Scheduler): the app's whole environment, add-ons included, in production
// Its output is logged line by line; when it fails, the error holds its output and the web process's.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/dev/index.ts';
import { provideAddons, type AddonSpec, type ProvidedAddons } from './addons.ts';
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
  // What the Node buildpack sets on a 1 GB dyno: two web processes, where a step runs them.
  const concurrency = '2';
  const env = {
    ...process.env,
    ...options.env,
    ...herokuEnv,
    NODE_ENV: 'production',
    PORT: String(port),
    WEB_CONCURRENCY: concurrency,
    DYNO: 'web.1',
  };
  const smokeEnv: Record<string, string> = {
    SMOKE_BASE_URL: `http://127.0.0.1:${port}`,
    SMOKE_ROUTER_HEADERS: JSON.stringify(ROUTER_HEADERS),
    SMOKE_WEB_CONCURRENCY: concurrency,
    SMOKE_ONE_OFF_ENV: JSON.stringify({ ...herokuEnv, NODE_ENV: 'production', DYNO: 'run.1' }),
  };
  if (mailbox?.inboxUrl) smokeEnv.SMOKE_MAILBOX_URL = mailbox.inboxUrl;
  if (bucket) smokeEnv.SMOKE_BUCKET_URL = `${bucket.url}/${bucket.bucket}`;
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
      runSmoke(dir, tag, smokeEnv, options.log),
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
    // As the router sends it: a step that redirects plain HTTP would otherwise answer with a redirect.
    const home = await fetch(`http://127.0.0.1:${port}/`, { headers: ROUTER_HEADERS });
    await home.arrayBuffer();
    if (!home.ok)
      throw new Error(`${tag}: GET / answered ${home.status} under ${label}:\n${output()}`);
    try {
      await whileUp?.();
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${label} printed:\n${output()}`, { cause: err });
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

// What Heroku's router adds to each request it forwards to a dyno.
const ROUTER_HEADERS = { 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '203.0.113.7' };

export const SMOKE_SCRIPT = 'test/slug/smoke.ts';

/**
 * Runs the step's own smoke check of its slug (see the top of this file) and logs its output; throws
 * with its output when it exits non-zero or runs past two minutes. A step without one has nothing to run.
 */
export async function runSmoke(
  dir: string,
  tag: string,
  smokeEnv: Record<string, string>,
  log: (line: string) => void,
) {
  if (!existsSync(path.join(dir, SMOKE_SCRIPT))) {
    log(`${tag}: no ${SMOKE_SCRIPT} in the step: the generic checks only`);
    return;
  }
  // Only what verify says now: a SMOKE_ variable from verify's own environment would be taken for one.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('SMOKE_')),
  );
  const proc = spawnGroup([process.execPath, SMOKE_SCRIPT], dir, { ...env, ...smokeEnv });
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    new Promise<number | null>((resolve) => proc.child.on('exit', (c) => resolve(c))),
    new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 120_000))),
  ]);
  clearTimeout(timer);
  if (code === 'timeout') await proc.terminate('SIGKILL');
  if (code !== 0) {
    const how = code === 'timeout' ? 'did not finish within 120 s' : `exited with ${code}`;
    throw new Error(`${tag}: node ${SMOKE_SCRIPT} ${how}:\n${proc.output()}`);
  }
  for (const line of proc.output().split('\n').filter(Boolean)) log(`${tag}: smoke: ${line}`);
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
