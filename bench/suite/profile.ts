// Reads what V8 wrote (a .cpuprofile from --cpu-prof, a .heapsnapshot from --heapsnapshot-signal)
// and names the top costs: where the CPU time went, by function and by package, and what the heap holds.
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Cost {
  readonly name: string;
  /** Share of the samples in which the process was not idle, in percent. */
  readonly percent: number;
}

export interface CpuSummary {
  readonly functions: readonly Cost[];
  readonly packages: readonly Cost[];
  /** Time the process spent idle (waiting for I/O), in percent of all samples. */
  readonly idlePercent: number;
}

/** Where a frame's code comes from: a package, Node itself, this app, or V8's own bookkeeping. */
export function origin(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node core';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1]!;
  const app = /\/(src|dist\/src)\/(.+)$/.exec(url);
  return app ? `app: ${app[2]!.replace(/\.(js|ts)$/, '')}` : url;
}

export async function summariseCpu(file: string, top = 12): Promise<CpuSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) =>
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
  );
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  let idle = 0;
  let busy = 0;
  for (const [id, micros] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') {
      idle += micros;
      continue;
    }
    busy += micros;
    const where = origin(url, functionName);
    const name =
      url === '' ? functionName : `${functionName || '(anonymous)'} — ${where}:${lineNumber + 1}`;
    functions.set(name, (functions.get(name) ?? 0) + micros);
    packages.set(where, (packages.get(where) ?? 0) + micros);
  }
  const ranked = (costs: Map<string, number>) =>
    [...costs]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => ({ name, percent: (100 * micros) / busy }));
  return {
    functions: ranked(functions),
    packages: ranked(packages),
    idlePercent: (100 * idle) / (idle + busy),
  };
}

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface HeapSummary {
  readonly totalMb: number;
  /** The kinds of object that hold the most memory themselves (shallow size), in MB. */
  readonly kinds: ReadonlyArray<{ name: string; mb: number; count: number }>;
}

export async function summariseHeap(file: string, top = 12): Promise<HeapSummary> {
  const snapshot = JSON.parse(await readFile(file, 'utf8')) as HeapSnapshot;
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const kinds = new Map<string, { bytes: number; count: number }>();
  let total = 0;
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt!]!]!;
    const bytes = snapshot.nodes[i + sizeAt!]!;
    // Objects are named by their constructor; strings, code and arrays by their kind.
    const name =
      type === 'object' || type === 'native'
        ? snapshot.strings[snapshot.nodes[i + nameAt!]!]!
        : `(${type})`;
    const kind = kinds.get(name) ?? { bytes: 0, count: 0 };
    kind.bytes += bytes;
    kind.count += 1;
    kinds.set(name, kind);
    total += bytes;
  }
  return {
    totalMb: total / 2 ** 20,
    kinds: [...kinds]
      .sort((a, b) => b[1].bytes - a[1].bytes)
      .slice(0, top)
      .map(([name, { bytes, count }]) => ({ name, mb: bytes / 2 ** 20, count })),
  };
}

/** The first file ending in `ending` that appears in `dir`, once it has been written whole. */
export async function waitForFile(dir: string, ending: string): Promise<string> {
  for (const until = Date.now() + 60_000; Date.now() < until;) {
    const found = (await readdir(dir).catch(() => [] as string[])).find((name) =>
      name.endsWith(ending),
    );
    // A snapshot is written in pieces: wait until its size holds still for a second. The file is
    // made empty first, and may stay so for longer than that while V8 takes the snapshot.
    if (found) {
      const file = path.join(dir, found);
      for (let size = -1; size <= 0 || size !== (await stat(file)).size;) {
        size = (await stat(file)).size;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      return file;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no ${ending} file appeared in ${dir}`);
}

/**
 * What a process's heap holds after a full collection, in MB: it writes a snapshot on SIGUSR2 (it must
 * run with --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=dir), which is read and deleted.
 */
export async function liveHeapMb(pid: number, dir: string): Promise<number> {
  process.kill(pid, 'SIGUSR2');
  const file = await waitForFile(dir, '.heapsnapshot');
  try {
    return (await summariseHeap(file, 0)).totalMb;
  } finally {
    await rm(file, { force: true });
  }
}
