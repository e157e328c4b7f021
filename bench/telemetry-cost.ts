// What the telemetry preload costs the web process: the production build started N times without
// OTEL_EXPORTER_OTLP_ENDPOINT and N times with it (pointing at a local OTLP receiver), alternating,
// each in a dyno's 512 MB: time to the first /healthz answer, RSS once up and after a load of the
// landing page, and that load's rate, as ratios of "with" to "without" measured in the same run.
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
const receiver = await startOtlpReceiver();
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
const variants = {
  without: {},
  with: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'campaign-kit-bench' },
} as const;
type Variant = keyof typeof variants;

async function measure(variant: Variant, run: number): Promise<Run> {
  const name = `telemetry-${variant}-${run}`;
  const app = await serve({
    name,
    argv: webCommand,
    env: appEnv(variants[variant]),
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
        label: `${variant} telemetry, run ${run}`,
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
      `  run ${run} ${variant.padEnd(7)} first /healthz after ${app.coldStartMs.toFixed(0)} ms, ` +
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
  say(`web: node ${webCommand.join(' ')}`);
  say(
    `${runs} runs each, alternating, landing page load: ${connections} connections for ${seconds} s`,
  );
  const results: Record<Variant, Run[]> = { without: [], with: [] };
  for (let run = 1; run <= runs; run++) {
    // Alternating, so that the machine's drift from minute to minute falls on both alike.
    const order: Variant[] = run % 2 ? ['without', 'with'] : ['with', 'without'];
    for (const variant of order) results[variant].push(await measure(variant, run));
  }
  const spans = receiver.spans().length;
  if (spans === 0) throw new Error('the receiver got no spans: the "with" runs exported nothing');

  say('');
  say(`medians of ${runs} runs           without    with   with / without`);
  const row = (label: string, key: keyof Run, unit: string, digits = 0) => {
    const off = median(results.without.map((r) => r[key]));
    const on = median(results.with.map((r) => r[key]));
    say(
      `  ${label.padEnd(28)} ${`${off.toFixed(digits)} ${unit}`.padStart(9)} ` +
        `${`${on.toFixed(digits)} ${unit}`.padStart(9)}   ${(on / off).toFixed(2)}×`,
    );
  };
  row('first /healthz answer', 'startMs', 'ms');
  row('RSS once up', 'idleMb', 'MB');
  row(`RSS after ${seconds} s of load`, 'loadedMb', 'MB');
  row('landing page rate', 'requestsPerSecond', '/s');
  say(`the receiver got ${spans} spans and ${receiver.metricNames().length} metric series`);
} catch (err) {
  console.error(`[bench] ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
