// `npm run bench`: the whole benchmark suite on the production build, against real local services,
// with bare node:http and bare Express measured in the same run as the yardsticks. Prints one table
// and writes bench/RESULTS.md.
//   npm run bench                         everything (about five minutes)
//   npm run bench -- landing me           only these targets (and the baselines they are ratios of)
//   npm run bench -- --seconds 4 --connections 50 --skip-build
//   npm run bench -- digest --digest-sizes 10000,100000     the digest job at these sizes only // @step 7+
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DIGEST_SIZES, measureDigestJob } from '../digest-job.ts'; // @step 7+
import { measureFlood } from '../login-flood.ts';
import { measureOutbox } from '../outbox-throughput.ts';
import { runLoad, type LoadOptions, type LoadResult } from './load.ts';
import { dynoMemory, migrate, procfileWeb, serve, type Served } from './processes.ts';
import {
  summariseCpu,
  summariseHeap,
  waitForFile,
  type CpuSummary,
  type HeapSummary,
} from './profile.ts';
import { writeReport, type Row, type Sections } from './report.ts';
import { startBenchServices } from './services.ts';

const root = path.resolve(import.meta.dirname, '../..');
const TARGETS = [
  'landing',
  'healthz',
  'me',
  'asset',
  'not-found',
  'signup',
  'flood',
  'scaling',
  'memory',
  'cold-start',
  'outbox',
  'digest', // @step 7+
  'profile',
] as const;
type Target = (typeof TARGETS)[number];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seconds: { type: 'string', default: '8' },
    connections: { type: 'string', default: '100' },
    'memory-seconds': { type: 'string', default: '20' },
    'skip-build': { type: 'boolean', default: false },
    // Each server under test runs in a memory cgroup of this size, as a dyno does (0: none).
    'dyno-mb': { type: 'string', default: '512' },
    // Flags for the app's node only, e.g. --node-flags="--max-semi-space-size=2" to try a GC setting.
    'node-flags': { type: 'string', default: '' },
    // Variables for the app only, e.g. --env MALLOC_ARENA_MAX=2 (as many as needed).
    env: { type: 'string', multiple: true, default: [] },
    // @step 7+
    // The digest job's participants, e.g. 10000,100000; a short run (--seconds 2 or less) skips 1M.
    'digest-sizes': { type: 'string' },
    // @end
  },
});
const unknown = positionals.filter((name) => !(TARGETS as readonly string[]).includes(name));
if (unknown.length > 0) {
  console.error(`[bench] no target named ${unknown.join(', ')}. Targets: ${TARGETS.join(', ')}.`);
  process.exit(2);
}
const chosen = new Set<Target>(positionals.length > 0 ? (positionals as Target[]) : TARGETS);
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const memorySeconds = Number(values['memory-seconds']);
const appFlags = values['node-flags'].split(/\s+/).filter(Boolean);
const webCommand = await procfileWeb(root);
const withFlags = (argv: readonly string[], flags: readonly string[]) => {
  // The script is the first word that is neither a flag nor a preload's path (`--import ./x.js`).
  const script = argv.findIndex(
    (word, i) => !word.startsWith('-') && !/^(?:--import|--require|-r)$/.test(argv[i - 1] ?? ''),
  );
  return [...argv.slice(0, script), ...flags, ...argv.slice(script)];
};
const say = (line: string) => console.log(`[bench] ${line}`);
// Heroku's router says the visitor came over HTTPS; the production build's cookies are Secure.
const viaRouter = { 'X-Forwarded-Proto': 'https' };

if (!values['skip-build']) {
  say('building the production version (npm run build) …');
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    console.error(
      '[bench] the build failed: fix what tsc reports above, then run the bench again.',
    );
    process.exit(1);
  }
}

say('starting the backing services …');
const services = await startBenchServices(say);
const dynoMb = Number(values['dyno-mb']);
const dyno = dynoMb > 0 ? await dynoMemory(dynoMb) : undefined;
const described = [
  ...services.described,
  dyno
    ? `memory: every server under test ran in a ${dynoMb} MB memory cgroup, as on a Standard-1X dyno (Node sizes V8's heap to it)`
    : `memory: no limit (a memory cgroup needs Linux and root): V8 sized its heap for this machine's ` +
      `${Math.round(os.totalmem() / 2 ** 30)} GiB, so RSS under load is higher than on a dyno`,
];
for (const line of described) say(`  ${line}`);
const cleanUp = async () => {
  await services.stop();
  await dyno?.remove();
};
// Ctrl-C: the bench database, keys and servers go too (the app processes die with this one).
process.once('SIGINT', () => {
  console.error('\n[bench] stopped: removing what this run made …');
  void cleanUp().finally(() => process.exit(130));
});
// Every server's output stays after the run, for when a figure looks wrong.
const logs = path.join(root, 'bench/logs');
await rm(logs, { recursive: true, force: true });
await mkdir(logs, { recursive: true });
const logFile = (name: string) => path.join(logs, `${name.replace(/[^\w-]+/g, '-')}.log`);
const extraEnv: Record<string, string> = Object.fromEntries(
  values.env.map((pair) => {
    const at = pair.indexOf('=');
    return [pair.slice(0, at), pair.slice(at + 1)];
  }),
);
const appEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
  ...services.env,
  NODE_ENV: 'production',
  APP_ENV: 'production', // @step 6+
  DYNO: 'web.1',
  WEB_CONCURRENCY: '1',
  ...extraEnv,
  ...extra,
});
const serveApp = (
  name: string,
  extra: Record<string, string> = {},
  nodeArgs: string[] = [],
  cgroup = dyno,
) =>
  serve({
    name,
    // The Procfile's own flags first, so that the bench's (--node-flags, profiling) come later and win.
    argv: withFlags(webCommand, [...appFlags, ...nodeArgs]),
    env: appEnv(extra),
    cwd: root,
    logFile: logFile(name),
    headers: viaRouter,
    cgroup,
  });
const serveBare = (name: string, file: string) =>
  serve({
    name,
    argv: [path.join('bench/suite', file)],
    env: { NODE_ENV: 'production' },
    cwd: root,
    logFile: logFile(name),
    cgroup: dyno,
  });

say('migrating the bench database (node dist/src/migrate.js) …');
try {
  await migrate(root, appEnv());
} catch (err) {
  console.error(`[bench] ${(err as Error).message}`);
  await cleanUp();
  process.exit(1);
}

const rows: Row[] = [];
const sections: Sections = {};
const started = Date.now();

/** A warm-up the figures ignore (the JIT, the pools), then the measured run. */
async function measure(
  served: Served,
  options: Omit<LoadOptions, 'url' | 'connections' | 'seconds'> & { connections?: number },
) {
  const base = { url: served.url, connections: options.connections ?? connections, ...options };
  await runLoad({ ...base, seconds: 2, label: `${options.label} (warm-up)` }, () => undefined);
  const result = await runLoad({ ...base, seconds }, say);
  const rssMb = await served.rssMb();
  say(
    `${options.label}: ${Math.round(result.requestsPerSecond)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, ` +
      `${result.errors} errors, ${result.unexpected} unexpected answers, RSS ${rssMb.toFixed(0)} MB`,
  );
  return { ...result, rssMb };
}

async function signUp(
  url: string,
  email: string,
): Promise<{ formCookie: string; token: string; session: string }> {
  const form = await fetch(`${url}/signup`, { headers: viaRouter });
  const formCookie = (form.headers.get('set-cookie') ?? '').split(';')[0]!;
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!token || !formCookie)
    throw new Error('the signup page gave no form token: is the app on its latest build?');
  const answer = await fetch(`${url}/signup`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      ...viaRouter,
      Cookie: formCookie,
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Forwarded-For': '192.0.2.10',
    },
    body: new URLSearchParams({
      email,
      password: 'a bench password',
      displayName: 'Bench',
      _csrf: token,
    }),
  });
  await answer.arrayBuffer();
  const session = answer.headers
    .getSetCookie()
    .find((cookie) => cookie.startsWith('sid='))
    ?.split(';')[0];
  if (answer.status !== 303 || !session)
    throw new Error(`the bench could not sign up (answer ${answer.status})`);
  return { formCookie, token, session };
}

const row = (target: string, result: LoadResult & { rssMb: number }, note = '') => {
  rows.push({ target, note, ...result });
};

let exitCode = 0;
try {
  // The yardsticks, each alone in its process.
  say(`baselines: ${connections} connections, ${seconds} s each after a 2 s warm-up`);
  for (const [name, file] of [
    ['bare node:http', 'bare-http.js'],
    ['bare Express', 'bare-express.js'],
  ] as const) {
    const served = await serveBare(name, file);
    row(name, await measure(served, { path: '/', expect: 200, label: name }));
    await served.stop();
  }

  const pages = (['landing', 'healthz', 'me', 'asset', 'not-found', 'signup'] as const).filter(
    (t) => chosen.has(t),
  );
  if (pages.length > 0 || chosen.has('flood')) {
    say('starting the production build (one process, WEB_CONCURRENCY=1) …');
    const app = await serveApp('app');
    say(
      `  answered its first 200 after ${app.coldStartMs.toFixed(0)} ms; RSS ${(await app.rssMb()).toFixed(0)} MB idle`,
    );
    sections.idleRssMb = await app.rssMb();
    const member = await signUp(app.url, `member-${randomUUID()}@example.com`);
    const headers = { ...viaRouter };
    if (chosen.has('landing'))
      row(
        'landing /',
        await measure(app, { path: '/', headers, expect: 200, label: 'landing' }),
        'a visitor',
      );
    if (chosen.has('healthz'))
      row(
        '/healthz',
        await measure(app, { path: '/healthz', headers, expect: 200, label: 'healthz' }),
        'database, Redis, bucket',
      );
    if (chosen.has('me')) {
      // The floor of a logged-in page on this machine: the same clients doing only the same I/O.
      const io = await serve({
        name: 'bare Express + Redis GET + row read',
        argv: [path.join('bench/suite', 'bare-io.js')],
        env: appEnv(),
        cwd: root,
        logFile: logFile('bare-io'),
        cgroup: dyno,
      });
      row(
        'bare Express + Redis GET + row',
        await measure(io, { path: '/', expect: 200, label: 'bare I/O' }),
        'I/O floor of /me',
      );
      await io.stop();
    }
    if (chosen.has('me'))
      row(
        'logged-in /me',
        await measure(app, {
          path: '/me',
          headers: { ...headers, Cookie: member.session },
          expect: 200,
          label: 'me',
        }),
        'session in Redis',
      );
    if (chosen.has('asset'))
      row(
        'asset site.css',
        await measure(app, { path: '/assets/site.css', headers, expect: 200, label: 'asset' }),
      );
    if (chosen.has('not-found'))
      row('404', await measure(app, { path: '/no-such-page', headers, expect: 404, label: '404' }));
    if (chosen.has('signup')) {
      // Every signup a new address and email: the per-address limit is not what this measures.
      let n = 0;
      const result = await measure(app, {
        path: '/signup',
        method: 'POST',
        connections: 10,
        expect: 303,
        label: 'signup',
        headers: {
          ...headers,
          Cookie: member.formCookie,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        setupRequest: (request) => {
          n += 1;
          return {
            ...request,
            headers: {
              ...request.headers,
              'X-Forwarded-For': `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
            },
            body: new URLSearchParams({
              email: `signup-${process.pid}-${n}@example.com`,
              password: 'a signup password',
              displayName: 'Signup',
              _csrf: member.token,
            }).toString(),
          };
        },
      });
      row('signup (POST)', result, '10 connections; scrypt-bound');
      sections.signup = {
        requestsPerSecond: result.requestsPerSecond,
        hashesPerSecond: await hashRate(),
      };
    }
    if (chosen.has('flood')) {
      say('login flood: 300 wrong passwords at 40 a second from one address …');
      sections.flood = await measureFlood(app.url, {
        rate: 40,
        guesses: 300,
        headers: viaRouter,
        say,
      });
    }
    await app.stop();
  }

  if (rows.length > 2) {
    // Shared machines change speed: the yardstick again, after the targets, shows by how much.
    const served = await serveBare('bare Express (again)', 'bare-express.js');
    row(
      'bare Express (again)',
      await measure(served, { path: '/', expect: 200, label: 'bare Express again' }),
    );
    await served.stop();
  }

  if (chosen.has('scaling')) {
    const one = rows.find((r) => r.target === 'landing /');
    const single =
      one ??
      (await (async () => {
        const app = await serveApp('app-1');
        const result = await measure(app, {
          path: '/',
          headers: viaRouter,
          expect: 200,
          label: 'landing, 1 process',
        });
        await app.stop();
        return result;
      })());
    // Two processes on a dyno of twice the memory (Standard-2X), as Heroku sets WEB_CONCURRENCY: one a 512 MB.
    const bigger = dyno ? await dynoMemory(2 * dynoMb) : undefined;
    say(
      `starting the production build with WEB_CONCURRENCY=2${bigger ? ` in ${2 * dynoMb} MB` : ''} …`,
    );
    const app = await serveApp('app-2', { WEB_CONCURRENCY: '2' }, [], bigger);
    const two = await measure(app, {
      path: '/',
      headers: viaRouter,
      expect: 200,
      label: 'landing, 2 processes',
    });
    row(
      'landing, WEB_CONCURRENCY=2',
      two,
      bigger ? `two processes, ${2 * dynoMb} MB` : 'two processes',
    );
    sections.scaling = {
      one: single.requestsPerSecond,
      two: two.requestsPerSecond,
      cores: os.availableParallelism(),
    };
    await app.stop();
    await bigger?.remove();
  }

  if (chosen.has('memory')) sections.memory = await memoryRuns();
  if (chosen.has('cold-start')) sections.coldStart = await coldStarts();
  if (chosen.has('outbox')) {
    say('outbox: 300 messages through one worker process, then through two …');
    sections.outbox = await measureOutbox(300, say);
    if (!sections.outbox.ok) exitCode = 1;
  }
  // @step 7+
  if (chosen.has('digest')) {
    const short = seconds <= 2 ? DIGEST_SIZES.filter((size) => size < 1_000_000) : DIGEST_SIZES;
    const sizes = values['digest-sizes']?.split(',').map(Number) ?? short;
    say(`digest job: ${sizes.join(', ')} participants, each on a fresh database …`);
    sections.digest = await measureDigestJob(sizes, say, dyno ?? null);
    if (!sections.digest.ok) exitCode = 1;
  }
  // @end
  if (chosen.has('profile')) sections.profile = await profile();

  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const partial = positionals.length > 0;
  const file = partial ? undefined : path.join(root, 'bench/RESULTS.md');
  const text = await writeReport({
    rows,
    sections,
    command,
    connections,
    seconds,
    services: described,
    file,
  });
  console.log(`\n${text}`);
  say(
    `done in ${Math.round((Date.now() - started) / 1000)} s; ` +
      (file ? `written to bench/RESULTS.md` : 'a partial run: bench/RESULTS.md is left as it was'),
  );
  if (rows.some((r) => r.errors > 0))
    say("some requests failed: the servers' output is in bench/logs/");
} catch (err) {
  console.error(`[bench] ${(err as Error).message}`);
  exitCode = 1;
} finally {
  await cleanUp();
}
process.exit(exitCode);

/** How many passwords a second this machine hashes, with the app's own function and bound. */
async function hashRate(): Promise<number> {
  const { hashPassword } = (await import(path.join(root, 'dist/src/accounts/passwords.js'))) as {
    hashPassword: (password: string) => Promise<string>;
  };
  const until = performance.now() + 3000;
  let hashed = 0;
  const first = performance.now();
  await Promise.all(
    [1, 2].map(async () => {
      while (performance.now() < until) {
        await hashPassword('a signup password');
        hashed += 1;
      }
    }),
  );
  return hashed / ((performance.now() - first) / 1000);
}

/** Three back-to-back runs of visitors and members, on a fresh process: RSS after each. */
async function memoryRuns() {
  say(`memory: a fresh process, three runs of ${memorySeconds} s (half visitors, half members) …`);
  const app = await serveApp('app-memory');
  const member = await signUp(app.url, `memory-${randomUUID()}@example.com`);
  const idle = await app.rssMb();
  const after: number[] = [];
  for (let run = 1; run <= 3; run++) {
    const half = Math.max(1, Math.floor(connections / 2));
    const load = (label: string, path: string, headers: Record<string, string>) =>
      runLoad(
        {
          url: app.url,
          path,
          headers,
          connections: half,
          seconds: memorySeconds,
          expect: 200,
          label,
        },
        say,
      );
    await Promise.all([
      load(`memory run ${run}: visitors`, '/', viaRouter),
      load(`memory run ${run}: members`, '/me', { ...viaRouter, Cookie: member.session }),
    ]);
    after.push(await app.rssMb());
    say(`memory run ${run}: RSS ${after.at(-1)!.toFixed(0)} MB`);
  }
  await app.stop();
  return { idle, after, seconds: memorySeconds };
}

/** From spawn to the first 200 of `/`, five times each, bare Express and the app: the medians. */
async function coldStarts() {
  const median = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const times = { express: [] as number[], app: [] as number[] };
  for (let i = 1; i <= 5; i++) {
    say(`cold start ${i}/5 …`);
    const bare = await serveBare('bare Express (cold)', 'bare-express.js');
    times.express.push(bare.coldStartMs);
    await bare.stop();
    const app = await serveApp('app (cold)');
    times.app.push(app.coldStartMs);
    await app.stop();
  }
  return { express: median(times.express), app: median(times.app), runs: times };
}

/** For the landing page and /me: a CPU profile under load, and a heap snapshot after a load. */
async function profile(): Promise<NonNullable<Sections['profile']>> {
  const dir = path.join(root, 'bench/profiles');
  await rm(dir, { recursive: true, force: true });
  /** A fresh process with `flags`, loaded on `page` for the run's seconds; stopped by `then`. */
  const underLoad = async <T>(
    page: 'landing' | 'me',
    flags: string[],
    then: (app: Served) => Promise<T>,
  ) => {
    const app = await serveApp(`app-profile-${page}`, {}, flags);
    const member = await signUp(app.url, `profile-${randomUUID()}@example.com`);
    const headers = page === 'me' ? { ...viaRouter, Cookie: member.session } : viaRouter;
    const pathname = page === 'me' ? '/me' : '/';
    await runLoad(
      {
        url: app.url,
        path: pathname,
        headers,
        connections,
        seconds,
        expect: 200,
        label: `profile ${page}`,
      },
      say,
    );
    try {
      return await then(app);
    } finally {
      await app.stop();
    }
  };
  const summaries: Record<string, CpuSummary> = {};
  for (const page of ['landing', 'me'] as const) {
    say(`profile: ${page} under load, with --cpu-prof …`);
    const out = path.join(dir, page);
    await mkdir(out, { recursive: true });
    await underLoad(page, ['--cpu-prof', `--cpu-prof-dir=${out}`], () => Promise.resolve());
    summaries[page] = await summariseCpu(await waitForFile(out, '.cpuprofile'));
  }
  // The snapshots in runs of their own: writing one takes seconds that a CPU profile would count.
  const heaps: Record<string, HeapSummary> = {};
  for (const page of ['landing', 'me'] as const) {
    say(`profile: ${page} under load again, then a heap snapshot …`);
    const out = path.join(dir, `heap-${page}`);
    await mkdir(out, { recursive: true });
    heaps[page] = await underLoad(
      page,
      ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${out}`],
      async (app) => {
        process.kill(app.pid, 'SIGUSR2');
        return summariseHeap(await waitForFile(out, '.heapsnapshot'));
      },
    );
  }
  say(`profile: the raw profiles are in bench/profiles (open them in Chrome DevTools)`);
  return {
    landing: { cpu: summaries.landing!, heap: heaps.landing! },
    me: { cpu: summaries.me!, heap: heaps.me! },
  };
}
