// What the telemetry preload costs the web process: the production build started N times each without
// the preload, with it and OTEL_EXPORTER_OTLP_ENDPOINT unset, and with it pointing at a local OTLP
// receiver (tracing every request, then one in ten), in turn, each in a dyno's 512 MB: time to the first
// /healthz answer, RSS once up and after a load of the landing page, and that load's rate, as ratios
// measured in the same run.
//   npm run bench:telemetry [-- --runs 5 --seconds 5 --connections 50 --skip-build]
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startOtlpReceiver } from '../test/support/otlp-receiver.ts';
import { runLoad } from './suite/load.ts';
import { dynoMemory, migrate, procfileWeb, serve } from './suite/processes.ts';
import { startBenchServices } from './suite/services.ts';

const root = path.resolve(import.meta.dirname, '..');
const say = (line: string) => console.log(`[bench] ${line}`);
// Heroku's router says the visitor came over HTTPS; the production build's cookies are Secure.
const viaRouter = { 'X-Forwarded-Proto': 'https' };
const DYNO_MB = 512;
// Long enough after the first answer for startup's own allocations to have settled.
const SETTLE_MS = 1000;

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    'skip-build': { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const seconds = Number(values.seconds);
const connections = Number(values.connections);

interface Run {
  startMs: number;
  idleMb: number;
  loadedMb: number;
  requestsPerSecond: number;
}

const median = (xs: readonly number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

if (!values['skip-build']) {
  say('building the production version (npm run build) …');
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('[bench] the build failed: fix what tsc reports above, then run it again.');
    process.exit(1);
  }
}

say('starting the backing services and a local OTLP receiver …');
const services = await startBenchServices(say);
const receiver = await startOtlpReceiver({ parse: false });
const dyno = await dynoMemory(DYNO_MB);
say(
  dyno
    ? `  every web process runs in a ${DYNO_MB} MB memory cgroup, as on a Standard-1X dyno`
    : '  no memory cgroup (it needs Linux and root): RSS is higher than on a dyno',
);
const cleanUp = async () => {
  await receiver.close();
  await services.stop();
  await dyno?.remove();
};
process.once('SIGINT', () => {
  console.error('\n[bench] stopped: removing what this run made …');
  void cleanUp().finally(() => process.exit(130));
});

const webCommand = await procfileWeb(root);
const appEnv = (extra: Record<string, string>) => ({
  ...services.env,
  NODE_ENV: 'production',
  APP_ENV: 'production',
  DYNO: 'web.1',
  WEB_CONCURRENCY: '1',
  ...extra,
});
// The Procfile's command as steps 5 to 7 have it: the yardstick for "unset costs nothing".
const withoutPreload = webCommand.filter(
  (word, i) => !/telemetry\.js$/.test(word) && webCommand[i + 1]?.endsWith('telemetry.js') !== true,
);
const endpoint = {
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
  OTEL_SERVICE_NAME: 'campaign-kit-bench',
};
// The SDK's own sampler variables: a trace for one request in ten, and those the caller asked for.
const sampled = {
  ...endpoint,
  OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
  OTEL_TRACES_SAMPLER_ARG: '0.1',
};
const variants = {
  bare: { argv: withoutPreload, env: {} },
  unset: { argv: webCommand, env: {} },
  set: { argv: webCommand, env: endpoint },
  sampled: { argv: webCommand, env: sampled },
} as const;
type Variant = keyof typeof variants;
const VARIANTS = Object.keys(variants) as Variant[];
const described: Record<Variant, string> = {
  bare: 'no preload',
  unset: 'preload, endpoint unset',
  set: 'preload, endpoint set',
  sampled: 'set, 10 % of traces',
};

async function measure(variant: Variant, run: number): Promise<Run> {
  const name = `telemetry-${variant}-${run}`;
  const app = await serve({
    name,
    argv: variants[variant].argv,
    env: appEnv(variants[variant].env),
    cwd: root,
    logFile: path.join(services.scratch, `${name}.log`),
    readyPath: '/healthz',
    headers: viaRouter,
    cgroup: dyno,
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const idleMb = await app.rssMb();
    const load = await runLoad(
      {
        url: app.url,
        path: '/',
        connections,
        seconds,
        headers: viaRouter,
        expect: 200,
        label: `${described[variant]}, run ${run}`,
      },
      () => undefined,
    );
    if (load.unexpected > 0 || load.errors > 0) {
      throw new Error(
        `${name}: ${load.unexpected} unexpected answers and ${load.errors} errors under load; ` +
          `its output is in ${services.scratch}/${name}.log`,
      );
    }
    const loadedMb = await app.rssMb();
    say(
      `  run ${run}, ${described[variant].padEnd(23)}: first /healthz after ${app.coldStartMs.toFixed(0)} ms, ` +
        `RSS ${idleMb.toFixed(0)} MB up, ${loadedMb.toFixed(0)} MB after ${seconds} s of load ` +
        `(${load.requestsPerSecond.toFixed(0)} req/s)`,
    );
    return {
      startMs: app.coldStartMs,
      idleMb,
      loadedMb,
      requestsPerSecond: load.requestsPerSecond,
    };
  } finally {
    await app.stop();
  }
}

try {
  say('migrating the bench database (node dist/src/migrate.js) …');
  await migrate(root, appEnv({}));
  say(`web: node ${webCommand.join(' ')}; without the preload: node ${withoutPreload.join(' ')}`);
  say(
    `${runs} runs of each, in turn; load: the landing page, ${connections} connections for ${seconds} s`,
  );
  const results: Record<Variant, Run[]> = { bare: [], unset: [], set: [], sampled: [] };
  for (let run = 1; run <= runs; run++) {
    // Each run in another order, so that the machine's drift from minute to minute falls on all alike.
    const order = VARIANTS.map((_, i) => VARIANTS[(i + run) % VARIANTS.length]!);
    for (const variant of order) results[variant].push(await measure(variant, run));
  }
  const received = receiver.received();
  if (received.exports === 0) {
    throw new Error('the receiver got nothing: the runs with the endpoint set exported nothing');
  }

  say('');
  say(
    `medians of ${runs} runs          no preload     unset       set   10 % set   unset / none   set / unset   10 % / unset`,
  );
  const row = (label: string, key: keyof Run, unit: string) => {
    const [bare, unset, set, tenth] = VARIANTS.map((v) => median(results[v].map((r) => r[key])));
    const cell = (x: number) => `${x.toFixed(0)} ${unit}`.padStart(10);
    const ratio = (x: number, width: number) => `${x.toFixed(2)}×`.padStart(width);
    say(
      `  ${label.padEnd(26)}${cell(bare!)}${cell(unset!)}${cell(set!)}${cell(tenth!)}` +
        `${ratio(unset! / bare!, 15)}${ratio(set! / unset!, 14)}${ratio(tenth! / unset!, 15)}`,
    );
  };
  row('first /healthz answer', 'startMs', 'ms');
  row('RSS once up', 'idleMb', 'MB');
  row(`RSS after ${seconds} s of load`, 'loadedMb', 'MB');
  row('landing page rate', 'requestsPerSecond', '/s');
  say(
    `the receiver got ${received.exports} exports, ${(received.bytes / 2 ** 20).toFixed(1)} MB of OTLP JSON`,
  );
} catch (err) {
  console.error(`[bench] ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
