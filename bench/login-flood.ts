// What a flood of wrong passwords does to everyone else: the latency of a static file and of another
// participant's login while 150 guesses at one account arrive at 13 a second from one address, as
// ratios to the same requests at rest, measured in the same run against `npm run dev -- web` (the app
// with its local stand-ins, fresh data). Where the app has rate limits, the counts show them.
//   npm run bench:login [-- --rate 13 --guesses 150]
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const say = (line: string) => console.log(`[bench] ${line}`);

export interface FloodOptions {
  readonly rate: number;
  readonly guesses: number;
  /** Sent with every request: a production build behind no router wants X-Forwarded-Proto. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly say: (line: string) => void;
}

export interface FloodResult {
  readonly rest: { median: number; p95: number; login: number };
  readonly busy: { median: number; p95: number; login: number };
  readonly counts: Readonly<Record<number, number>>;
}

/** The measurement itself, against the app at `base`: also part of `npm run bench`. */
export async function measureFlood(base: string, options: FloodOptions): Promise<FloodResult> {
  const { rate, guesses, say } = options;
  const extra = options.headers ?? {};
  // One form token and its cookie serve every login post of this run.
  const form = await fetch(`${base}/signup`, { headers: extra });
  const cookie = (form.headers.get('set-cookie') ?? '').split(';')[0]!;
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  // The app trusts one proxy hop, so these stand for the addresses the router would report.
  const guesser = '203.0.113.66';
  const participant = '198.51.100.5';
  const post = (pathname: string, fields: Record<string, string>, from = participant) =>
    fetch(`${base}${pathname}`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        ...extra,
        Cookie: cookie,
        'Content-Type': 'application/x-www-form-urlencoded',
        'X-Forwarded-For': from,
      },
      body: new URLSearchParams({ ...fields, _csrf: token }),
    }).then(async (res) => {
      await res.arrayBuffer();
      return res.status;
    });
  // The account under attack, and the participant whose login is timed.
  const target = { email: 'target@example.com', password: 'the target password' };
  const account = { email: 'bench@example.com', password: 'the bench password' };
  for (const who of [target, account]) {
    if ((await post('/signup', { ...who, displayName: 'Bench' })) !== 303) {
      throw new Error('the bench could not sign up');
    }
  }

  const timed = async (work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    return performance.now() - started;
  };
  const css = () =>
    fetch(`${base}/assets/site.css`, { headers: extra }).then((res) => res.arrayBuffer());
  const login = () => post('/login', account);
  const percentile = (values: number[], q: number) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  };
  /** Static file requests one after another until `until` settles, and one real login halfway. */
  const sample = async (label: string, until: Promise<unknown>, halfway: number) => {
    let done = false;
    void until.then(() => (done = true));
    const files: number[] = [];
    const real = new Promise<number>((resolve) =>
      setTimeout(() => void timed(login).then(resolve), halfway),
    );
    while (!done || files.length < 40) {
      files.push(await timed(css));
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const result = {
      median: percentile(files, 0.5),
      p95: percentile(files, 0.95),
      login: await real,
    };
    say(
      `${label}: site.css median ${result.median.toFixed(1)} ms, p95 ${result.p95.toFixed(1)} ms ` +
        `(${files.length} requests); a real login ${result.login.toFixed(0)} ms`,
    );
    return result;
  };

  for (let i = 0; i < 20; i++) await timed(css);
  await timed(login);
  const rest = await sample('at rest', Promise.resolve(), 0);

  say(`flood: ${guesses} wrong passwords at ${rate} a second …`);
  const statuses: number[] = [];
  const answered: number[] = [];
  const flood = (async () => {
    const sent: Promise<void>[] = [];
    for (let i = 0; i < guesses; i++) {
      sent.push(
        timed(() =>
          post('/login', { email: target.email, password: `guess ${i}` }, guesser).then((status) =>
            statuses.push(status),
          ),
        ).then((ms) => void answered.push(ms)),
      );
      await new Promise((resolve) => setTimeout(resolve, 1000 / rate));
    }
    await Promise.all(sent);
  })();
  const busy = await sample('during the flood', flood, (guesses / rate) * 500);
  say(
    `a guess was answered in ${percentile(answered, 0.5).toFixed(0)} ms (median), ${percentile(answered, 0.95).toFixed(0)} ms (p95)`,
  );
  const counts = statuses.reduce<Record<number, number>>(
    (all, s) => ({ ...all, [s]: (all[s] ?? 0) + 1 }),
    {},
  );
  say(`the guesses were answered: ${JSON.stringify(counts)}`);
  say(
    `ratio flood/rest: site.css median ×${(busy.median / rest.median).toFixed(1)}, ` +
      `p95 ×${(busy.p95 / rest.p95).toFixed(1)}; a real login ×${(busy.login / rest.login).toFixed(1)}`,
  );
  return { rest, busy, counts };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '13' },
      guesses: { type: 'string', default: '150' },
    },
  });
  const rate = Number(values.rate);
  const guesses = Number(values.guesses);
  const root = path.resolve(import.meta.dirname, '..');

  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  const base = `http://127.0.0.1:${port}`;
  const data = await mkdtemp(path.join(tmpdir(), 'bench-login-'));
  say(`starting npm run dev -- web on port ${port} (data in ${data}) …`);
  const dev = spawn(process.execPath, ['scripts/dev.ts', 'web'], {
    cwd: root,
    env: { ...process.env, PORT: String(port), DEV_DATA_DIR: data, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  dev.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  dev.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));

  try {
    for (const started = Date.now(); !/ready in \d+ ms/.test(output);) {
      if (dev.exitCode !== null || Date.now() - started > 60_000) {
        throw new Error(`npm run dev did not get ready:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    await measureFlood(base, { rate, guesses, say });
  } finally {
    dev.kill('SIGINT');
    await new Promise((resolve) => dev.once('exit', resolve));
    await rm(data, { recursive: true, force: true });
  }
}
