// The state file of a running `npm run dev`, in its data folder: the stand-ins it serves, for one-off
// commands (`node scripts/dev.ts run`, npm run migrate) to use rather than start others of their own.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { connects } from './ready.ts';
import { standInEnv, type RunningStandIn } from './stand-ins.ts';

export interface DevStandIn {
  readonly name: string;
  readonly url: string;
  /** Every variable it hands to the processes: its URL and what goes with it. */
  readonly env: Readonly<Record<string, string>>;
}

export interface DevState {
  /** The launcher's process. */
  readonly pid: number;
  readonly standIns: readonly DevStandIn[];
}

function stateFile(dataDir: string): string {
  return path.join(dataDir, 'dev.json');
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Writes the state file of this launcher; the function returned removes it, unless another launcher has
 * written its own since. It goes at exit too, whatever the exit; a launcher killed outright leaves it, and
 * its dead pid tells the next reader so.
 */
export function publishStandIns(dataDir: string, running: readonly RunningStandIn[]): () => void {
  const state: DevState = {
    pid: process.pid,
    standIns: running.map((r) => ({
      name: r.service.name,
      url: r.started.url,
      env: standInEnv([r]),
    })),
  };
  const file = stateFile(dataDir);
  const text = `${JSON.stringify(state)}\n`;
  mkdirSync(dataDir, { recursive: true });
  // Under another name first, so that a reader never sees half of it.
  const temp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, file);
  const remove = () => {
    process.off('exit', remove);
    try {
      if (readFileSync(file, 'utf8') === text) unlinkSync(file);
    } catch {
      // Gone already.
    }
  };
  process.on('exit', remove);
  return remove;
}

/** The stand-ins of the `npm run dev` that keeps its data in `dataDir`, if one is running. */
export function runningDev(dataDir: string): DevState | undefined {
  let state: unknown;
  try {
    state = JSON.parse(readFileSync(stateFile(dataDir), 'utf8'));
  } catch {
    // None, or not one this code can read.
    return undefined;
  }
  const { pid, standIns } = (state ?? {}) as Partial<DevState>;
  if (typeof pid !== 'number' || pid === process.pid || !isAlive(pid)) return undefined;
  if (!Array.isArray(standIns)) return undefined;
  // One that does not say where it answers cannot be checked, so it is not used.
  return { pid, standIns: standIns.filter((s: Partial<DevStandIn>) => typeof s.url === 'string') };
}

/**
 * Whether the stand-in still takes connections: a launcher killed outright leaves its state file, and
 * another process may have its pid by now.
 */
export async function answering(standIn: DevStandIn, timeoutMs = 1000): Promise<boolean> {
  let host: string;
  let port: number;
  try {
    const url = new URL(standIn.url);
    host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    port = Number(url.port);
  } catch {
    return false;
  }
  if (!host || !port) return false;
  return connects(host, port, timeoutMs);
}
