// `npm run bench:soak`: two web processes (web.1, web.2) of the production build on one Redis, and 200
// simulated participants who log in and browse for 60 s with a pause between pages, each request going
// to the next process in turn, as Heroku's router spreads them. At the end, web.2 gets a SIGTERM
// while 50 keep-alive clients loop on it, as a deploy or the daily restart does it under load. Passes
// with 0 errors, 0 lost sessions (a logged-in page that answers as if logged out), a live heap (after
// a full collection) that does not keep growing, and a shutdown that resets no request.
//   npm run bench:soak [-- --visitors 200 --seconds 60 --skip-build]
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { tokenIn } from '../../test/support/forms.ts';
import { signalDuringLoad } from '../../test/support/keep-alive.ts';
import { visitor, type Answer } from '../../test/support/visitor.ts';
import {
  dynoMemory,
  migrate,
  procfileWeb,
  serve,
  type DynoMemory,
  type Served,
} from './processes.ts';
import { liveHeapMb } from './profile.ts';
import { startBenchServices } from './services.ts';

const { values } = parseArgs({
  options: {
    visitors: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '60' },
    'skip-build': { type: 'boolean', default: false },
  },
});
const visitors = Number(values.visitors);
const seconds = Number(values.seconds);
const root = path.resolve(import.meta.dirname, '../..');
const say = (line: string) => console.log(`[soak] ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

if (!values['skip-build']) {
  say('building the production version (npm run build) …');
  if (
    spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' }).status !== 0
  ) {
    console.error('[soak] the build failed: fix what tsc reports above, then run the soak again.');
    process.exit(1);
  }
}

say('starting the backing services …');
const services = await startBenchServices(say);
// Ctrl-C: the bench database, keys and servers go too (the app processes die with this one).
process.once('SIGINT', () => {
  console.error('\n[bench] stopped: removing what this run made …');
  void services.stop().finally(() => process.exit(130));
});
const logs = path.join(root, 'bench/logs');
await rm(logs, { recursive: true, force: true });
await mkdir(logs, { recursive: true });
// Both processes sign cookies with one secret, as every dyno of an app shares its config vars.
const env = {
  ...services.env,
  SESSION_SECRET: randomBytes(32).toString('base64url'),
  NODE_ENV: 'production',
  APP_ENV: 'production', // @step 6+
  WEB_CONCURRENCY: '1',
};
let failed = false;
const processes: Served[] = [];
const cgroups: DynoMemory[] = [];
try {
  await migrate(root, env);
  for (const dyno of ['web.1', 'web.2']) {
    await mkdir(path.join(logs, dyno), { recursive: true });
    // Each process in a 512 MB memory cgroup of its own, as each dyno is (where one can be made).
    const memory = await dynoMemory(512);
    if (memory) cgroups.push(memory);
    processes.push(
      await serve({
        cgroup: memory,
        name: dyno,
        // A heap snapshot on SIGUSR2: what the heap holds after a full collection, at 15 s and at the end.
        argv: [
          '--heapsnapshot-signal=SIGUSR2',
          `--diagnostic-dir=${path.join(logs, dyno)}`,
          ...(await procfileWeb(root)),
        ],
        env: { ...env, DYNO: dyno },
        cwd: root,
        logFile: path.join(logs, `soak-${dyno}.log`),
        headers: { 'X-Forwarded-Proto': 'https' },
      }),
    );
  }
  say(
    `web.1 and web.2 answer${cgroups.length === 2 ? ', each in a 512 MB memory cgroup like a dyno' : ''}; ` +
      `${visitors} participants for ${seconds} s …`,
  );

  let turn = 0;
  /** The next process in turn, as the router would pick it. */
  const next = () => processes[turn++ % processes.length]!.url;
  const counts = { requests: 0, errors: 0, lost: 0, logins: 0 };
  const problems: string[] = [];
  const problem = (line: string) => {
    if (problems.length < 10) problems.push(line);
  };
  const rss: Array<{ second: number; mb: number[] }> = [];
  const started = Date.now();
  const elapsed = () => Math.round((Date.now() - started) / 1000);
  const until = started + seconds * 1000;

  async function participant(n: number) {
    // Each participant comes from an address of its own: the limits are per address, as in life.
    const browser = visitor({
      'X-Forwarded-Proto': 'https',
      'X-Forwarded-For': `10.77.${n >> 8}.${n & 255}`,
    });
    const name = `Soak ${n}`;
    const account = {
      email: `soak-${process.pid}-${n}@example.com`,
      password: `soak password ${n}`,
    };
    const check = (what: string, answer: Answer, expected: number) => {
      counts.requests += 1;
      if (answer.status === expected) return true;
      counts.errors += 1;
      problem(`${what} answered ${answer.status}, not ${expected}`);
      return false;
    };
    // Arrivals spread over the first sixth of the run (10 s of a full one).
    await sleep((Math.random() * seconds * 1000) / 6);
    const signup = await browser.submit(`${next()}/signup`, { ...account, displayName: name });
    if (!check('signup', signup, 303)) return;
    while (Date.now() < until) {
      for (let page = 0; page < 20 && Date.now() < until; page++) {
        const [pathname, expected] = (
          [
            ['/', 200],
            ['/me', 200],
            ['/assets/site.css', 200],
            ['/me', 200],
            ['/me/photo', 200],
          ] as const
        )[page % 5]!;
        const answer = await browser.get(`${next()}${pathname}`).catch((err: Error) => {
          counts.errors += 1;
          problem(`GET ${pathname}: ${err.message}`);
          return undefined;
        });
        if (answer === undefined) continue;
        if (pathname.startsWith('/me') && answer.status === 303) {
          counts.requests += 1;
          counts.lost += 1;
          problem(`${name} was sent to log in on ${pathname}: the session was lost`);
        } else if (check(`GET ${pathname}`, answer, expected) && pathname === '/me') {
          if (!answer.text.includes(`Hello, ${name}`)) {
            counts.lost += 1;
            problem(`${name}'s page greets somebody else`);
          }
        }
        await sleep(300 + Math.random() * 600);
      }
      // Log out through one process, and back in through the next.
      const page = await browser.get(`${next()}/me`);
      check('log out', await browser.post(`${next()}/logout`, { _csrf: tokenIn(page.text) }), 303);
      check('log in', await browser.submit(`${next()}/login`, account), 303);
      counts.logins += 1;
    }
  }

  const sampler = setInterval(() => {
    void Promise.all(processes.map((p) => p.rssMb())).then((mb) => {
      rss.push({ second: elapsed(), mb });
      say(
        `${elapsed()} s: ${counts.requests} requests, ${counts.errors} errors, ${counts.lost} lost sessions; ` +
          `RSS ${mb.map((m) => `${m.toFixed(0)} MB`).join(' / ')}`,
      );
    });
  }, 5000);
  const heaps = () => Promise.all(processes.map((p) => liveHeapMb(p.pid, path.join(logs, p.name))));
  let early: number[] = [];
  // Once everyone has arrived (15 s into a full run), and again at the end.
  const warmUp = Math.min(15, seconds / 3);
  const warmedUp = sleep(warmUp * 1000).then(async () => {
    early = await heaps();
    say(
      `${elapsed()} s: live heap after a full collection ` +
        early.map((mb) => `${mb.toFixed(1)} MB`).join(' / '),
    );
  });
  await Promise.all(Array.from({ length: visitors }, (_, n) => participant(n + 1)));
  await warmedUp;
  clearInterval(sampler);
  const late = await heaps();

  // What a SIGTERM costs the requests on a process's keep-alive connections: each one on its way must
  // still be answered, with `Connection: close`, and the process must exit by itself.
  // Stopped here; stopping it again at the end does nothing.
  const leaving = processes.at(-1)!;
  const shutdownClients = 50;
  let exited: Promise<number> | undefined;
  const shutdown = await signalDuringLoad(
    `${leaving.url}/`,
    () => {
      const signalled = performance.now();
      exited = leaving.stop().then(() => performance.now() - signalled);
    },
    { clients: shutdownClients, headers: { 'X-Forwarded-Proto': 'https' } },
  );
  const exitMs = await exited!;
  const shutdownLog = await readFile(path.join(logs, `soak-${leaving.name}.log`), 'utf8');
  const cleanExit = shutdownLog.includes('"msg":"shutdown complete"');

  const first = rss.find((sample) => sample.second >= warmUp) ?? rss[0];
  const last = rss.at(-1);
  say(`${counts.requests} requests and ${counts.logins} logins in ${elapsed()} s`);
  say(`errors: ${counts.errors}; lost sessions: ${counts.lost}`);
  for (const line of problems) say(`  ${line}`);
  if (first && last) {
    say(
      `RSS from ${first.second} s to ${last.second} s (V8 uses the room its cgroup gives it before it collects): ` +
        processes
          .map((p, i) => `${p.name} ${first.mb[i]!.toFixed(0)} → ${last.mb[i]!.toFixed(0)} MB`)
          .join(', '),
    );
  }
  // Growth that survives a full collection is memory something keeps: that is what must stay flat.
  say(
    `live heap after a full collection, at ${warmUp.toFixed(0)} s and at the end: ` +
      processes
        .map((p, i) => `${p.name} ${early[i]!.toFixed(1)} → ${late[i]!.toFixed(1)} MB`)
        .join(', '),
  );
  if (late.some((mb, i) => mb > early[i]! * 1.2 + 2)) {
    say(
      'the live heap grew by more than 20 %: look for something that keeps what it should let go',
    );
    failed = true;
  }
  if (counts.errors > 0 || counts.lost > 0) failed = true;
  say(
    `SIGTERM to ${leaving.name} under ${shutdownClients} keep-alive clients: ` +
      `${shutdown.answeredAfterSignal} requests answered after it, ${shutdown.toldToLeave} clients told ` +
      `Connection: close, ${shutdown.resets} resets, ${shutdown.errors} errors; exited after ` +
      `${(exitMs / 1000).toFixed(1)} s, ${cleanExit ? 'shutdown complete' : 'NOT cleanly (see its log)'}`,
  );
  for (const line of shutdown.problems) say(`  ${line}`);
  if (
    shutdown.resets > 0 ||
    shutdown.errors > 0 ||
    shutdown.toldToLeave < shutdownClients ||
    !cleanExit
  ) {
    failed = true;
  }
  say(
    failed
      ? 'FAILED: see above, and the logs in bench/logs/'
      : 'passed: no errors, no lost sessions, a live heap that stays flat, a shutdown that drops nothing',
  );
} catch (err) {
  console.error(`[soak] ${(err as Error).message}`);
  failed = true;
} finally {
  for (const p of processes) await p.stop();
  for (const memory of cgroups) await memory.remove();
  await services.stop();
}
process.exit(failed ? 1 : 0);
