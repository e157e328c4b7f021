// Several web processes on one dyno (node:cluster): they share the port, each drains on SIGTERM, and the
// first process only forks and watches them. Also the header that says which process answered.
import cluster from 'node:cluster';
import os from 'node:os';
import type { RequestHandler } from 'express';
import type { AppModule } from '../app-module.ts';
import { CLOSE_TIMEOUT_MS } from './backing-services.ts';
import type { SettingsOf } from '../config.ts';
import type { clusterConfig } from './cluster.config.ts';
import type { Logger } from './logger.ts';

export type ClusterSettings = SettingsOf<typeof clusterConfig>;

// Workers that keep dying are broken, not unlucky: more than this many deaths in this time stop the dyno.
const QUICK_DEATH_MS = 10_000;
const QUICK_DEATHS_ALLOWED = 5;
// A worker leaves by its deadline and the bound on closing its services; one still there after this
// is stuck, and is killed so that the dyno still stops before the platform's SIGKILL.
const STUCK_AFTER_MS = CLOSE_TIMEOUT_MS + 500;

/**
 * Node sizes a process's heap to the memory it may use: on a 512 MB dyno, about 260 MB. Every worker
 * would size itself to the whole dyno, so that together they could grow past it (R14 and swap). Each
 * worker gets its share of old space instead: half of the dyno's memory divided among them, the other
 * half for code, buffers and the young generation. A limit set in NODE_OPTIONS or the Procfile wins.
 */
export function workerHeapFlags(
  processes: number,
  limitBytes: number = process.constrainedMemory(),
  given: readonly string[] = [...process.execArgv, process.env.NODE_OPTIONS ?? ''],
): string[] {
  if (processes <= 1 || given.some((flag) => /--max[-_]old[-_]space[-_]size/.test(flag))) return [];
  // Without a memory limit (a laptop), constrainedMemory() answers 0 or more than the machine has.
  if (!(limitBytes > 0 && limitBytes < os.totalmem())) return [];
  const shareMb = Math.floor(limitBytes / 2 ** 20 / processes / 2);
  return [`--max-old-space-size=${Math.max(64, shareMb)}`];
}

/**
 * With more than one process wanted, the process that runs this becomes the primary: it forks the
 * workers, replaces one that crashes, and on SIGTERM or Ctrl-C waits for all of them to drain, then
 * exits 0 (1 when one had to be killed). Resolves to true in the primary (which must not serve) and
 * false in a worker or alone.
 */
export async function forkWorkers(settings: ClusterSettings, logger: Logger): Promise<boolean> {
  if (settings.processes <= 1 || cluster.isWorker) return false;
  let started = false;
  let stopping = false;
  let failed = false;
  let deaths: number[] = [];

  const finish = () => {
    if (Object.keys(cluster.workers ?? {}).length > 0) return;
    logger.info(failed ? 'every web worker has stopped' : 'every web worker has drained');
    process.exit(failed ? 1 : 0);
  };
  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'stopping the web workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    setTimeout(() => {
      const stuck = Object.values(cluster.workers ?? {}).map((worker) => worker?.process.pid);
      logger.error(
        { workers: stuck },
        'web workers still running after their deadline: killing them',
      );
      failed = true;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
    }, settings.shutdownTimeoutMs + STUCK_AFTER_MS).unref();
    finish();
  };
  // The platform signals every process of the dyno; a terminal's Ctrl-C may come twice.
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      // One that could not close everything said what was left open; the dyno's exit says so too.
      // (One still starting dies of the signal itself, with no code, having dropped nothing.)
      if (code !== null && code !== 0) failed = true;
      return finish();
    }
    if (!started) {
      // It printed why; the others would fail the same way.
      failed = true;
      return stop('the first web worker could not start');
    }
    logger.error(
      { worker: worker.process.pid, code, signal },
      'a web worker died: starting another',
    );
    const now = Date.now();
    deaths = [...deaths.filter((at) => at > now - QUICK_DEATH_MS), now];
    if (deaths.length > QUICK_DEATHS_ALLOWED) {
      failed = true;
      return stop(`${deaths.length} web workers died within ${QUICK_DEATH_MS / 1000} s`);
    }
    cluster.fork();
  });

  const heapFlags = workerHeapFlags(settings.processes);
  cluster.setupPrimary({ execArgv: [...process.execArgv, ...heapFlags] });

  // One worker first: if it cannot start (no database, say), its message is the only one, and the
  // primary exits 1 with it instead of forking more that would fail the same way.
  cluster.fork();
  await new Promise<void>((resolve) => {
    cluster.once('listening', () => resolve());
    cluster.once('exit', () => resolve());
  });
  if (stopping) return true;
  started = true;
  for (let i = 1; i < settings.processes; i++) cluster.fork();
  const fields = heapFlags.length > 0 ? { heapFlags } : {};
  logger.info(
    { workers: settings.processes, ...fields },
    `running ${settings.processes} web processes`,
  );
  return true;
}

/** Says which dyno and process answered: scale-out, seen from the browser's network panel. */
export function servedBy(dyno: string | undefined): RequestHandler {
  const value = `${dyno ?? 'local'} pid ${process.pid}`;
  return function servedBy(_req, res, next) {
    res.set('X-Served-By', value);
    next();
  };
}

/** The header on every answer, from the first middleware on, so that even a refused request shows it. */
export const clusterModule: AppModule = {
  middleware: (deps) => ({ first: [servedBy(deps.config.dyno)] }),
};
