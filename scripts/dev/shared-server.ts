// One local server per data folder, shared by every launcher: a state file names the process serving it.
import { randomUUID } from 'node:crypto';
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { lock } from 'proper-lockfile';
import { connects } from './ready.ts';

/*
 * The protocol, for a state file such as .data/postgres.json:
 * - Claim: create the file exclusively (a hard link of a complete temporary file, so nobody ever reads half of
 *   it) holding {"pid"}; only the claimant starts the server, then replaces the file with {"pid","port","url"}.
 * - Reuse: a file whose pid is alive and whose port accepts a connection gives its url; a live pid without an
 *   answer yet is a server starting (or stopping), waited for. A dead pid, or unreadable contents, is stale:
 *   the file is removed if unchanged and the claim retried.
 * - Release: the owner removes the file after its server has stopped (or at exit, if it never got to stop).
 * A claim and the removal of a stale file happen under a lock (a folder beside the state file), so that two
 * launchers that find the same stale file in the same instant cannot both remove it and both claim.
 */

export interface ServerState {
  readonly pid: number;
  readonly port?: number;
  readonly url?: string;
}

export interface Server {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface SharedServer {
  readonly url: string;
  /** Whether this process started the server (and stops it), rather than reusing another's. */
  readonly startedHere: boolean;
  /** The process that serves it. */
  readonly ownerPid: number;
  /** Stops the server when this process started it; otherwise does nothing. */
  stop(): Promise<void>;
}

export interface SharedServerOptions {
  /** The state file, e.g. .data/postgres.json; its folder must exist. */
  readonly stateFile: string;
  /** Starts the server, in this process; called only when no live one is found. */
  readonly start: () => Promise<Server>;
  /** How long to wait for another process's server that is starting; 15 s by default. */
  readonly waitMs?: number;
}

type Found =
  | { readonly kind: 'none' }
  | { readonly kind: 'stale'; readonly text: string }
  | { readonly kind: 'live'; readonly text: string; readonly state: ServerState };

/** The process serving the state file's server, if one is alive. */
export function liveOwner(stateFile: string): number | undefined {
  const found = read(stateFile);
  return found.kind === 'live' ? found.state.pid : undefined;
}

function read(stateFile: string): Found {
  let text: string;
  try {
    text = readFileSync(stateFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
    throw err;
  }
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch {
    return { kind: 'stale', text };
  }
  const { pid, port, url } = (state ?? {}) as Record<string, unknown>;
  if (typeof pid !== 'number' || !isAlive(pid)) return { kind: 'stale', text };
  return {
    kind: 'live',
    text,
    state: {
      pid,
      ...(typeof port === 'number' ? { port } : {}),
      ...(typeof url === 'string' ? { url } : {}),
    },
  };
}

export function isAlive(pid: number): boolean {
  // 0 and negative numbers would signal process groups, not one process.
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether something accepts a TCP connection at the URL's host and `port`. */
export async function accepts(url: string, port: number, timeoutMs = 1000): Promise<boolean> {
  let host = '127.0.0.1';
  try {
    host = new URL(url).hostname || host;
  } catch {
    // Not a URL: try the loopback address.
  }
  return connects(host, port, timeoutMs);
}

/** Writes the whole file under a temporary name first, so that readers never see it half written. */
function writeTemporary(stateFile: string, state: ServerState): { temp: string; text: string } {
  const temp = `${stateFile}.${process.pid}.${randomUUID()}.tmp`;
  const text = `${JSON.stringify(state)}\n`;
  writeFileSync(temp, text);
  return { temp, text };
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone.
  }
}

/** Removes the state file if it still holds `text`: never one that another process wrote meanwhile. */
function removeIfUnchanged(stateFile: string, text: string): void {
  try {
    if (readFileSync(stateFile, 'utf8') === text) unlinkSync(stateFile);
  } catch {
    // Gone already.
  }
}

/** Creates the state file only if there is none: the claim to start the server. */
function claim(stateFile: string): string | undefined {
  const { temp, text } = writeTemporary(stateFile, { pid: process.pid });
  try {
    linkSync(temp, stateFile);
    return text;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw err;
  } finally {
    removeQuietly(temp);
  }
}

/**
 * Under the lock: claims the state file, or else says what it holds, after removing it if stale (then the
 * next try claims). Between reading a stale file and removing it, nobody else can claim it meanwhile.
 */
async function claimOrRead(stateFile: string, waitMs: number): Promise<string | Found> {
  const release = await lock(stateFile, {
    lockfilePath: `${stateFile}.lock`,
    // The state file need not exist yet.
    realpath: false,
    // Held for a few file operations; one left by a launcher that died holding it is taken over, so the
    // tries go on for longer than that, and for at least as long as this launcher waits for a server.
    stale: 5000,
    retries: { retries: Math.ceil(Math.max(waitMs, 6000) / 50), factor: 1, minTimeout: 50 },
    // A launcher stalled past `stale` loses the lock; its claim is still an exclusive link, so nothing
    // is overwritten, and the lock library's default here, a throw from a timer, would kill the launcher.
    onCompromised: () => {},
  });
  try {
    const claimed = claim(stateFile);
    if (claimed !== undefined) return claimed;
    const found = read(stateFile);
    if (found.kind === 'stale') removeIfUnchanged(stateFile, found.text);
    return found;
  } finally {
    await release();
  }
}

/** The server named in `stateFile` if its process is alive and answering; else starts one and says so. */
export async function useSharedServer(options: SharedServerOptions): Promise<SharedServer> {
  const { stateFile } = options;
  const waitMs = options.waitMs ?? 15_000;
  const deadline = Date.now() + waitMs;
  for (;;) {
    const found = await claimOrRead(stateFile, waitMs);
    if (typeof found === 'string') return serve(options, found);
    if (found.kind === 'live') {
      const { pid, port, url } = found.state;
      if (url !== undefined && port !== undefined && (await accepts(url, port))) {
        return { url, startedHere: false, ownerPid: pid, stop: async () => {} };
      }
      if (Date.now() >= deadline) {
        throw new Error(
          `${stateFile} says that process ${pid} serves this data${url ? ` at ${url}` : ''}, ` +
            'but nothing answers there.\n' +
            `If process ${pid} is not a dev launcher (npm run dev, or a run), delete ${stateFile} ` +
            'and try again; otherwise stop that process first.',
        );
      }
      await sleep(100);
    }
    // 'stale': removed, claim again; 'none': the file went away between the claim and the read.
  }
}

async function serve(options: SharedServerOptions, claimText: string): Promise<SharedServer> {
  const { stateFile } = options;
  let written = claimText;
  // If this process ends without stopping the server (an uncaught error, process.exit), the file goes too.
  const onExit = () => removeIfUnchanged(stateFile, written);
  process.on('exit', onExit);
  let server: Server;
  try {
    server = await options.start();
  } catch (err) {
    process.off('exit', onExit);
    removeIfUnchanged(stateFile, written);
    throw err;
  }
  let temp: string | undefined;
  try {
    const next = writeTemporary(stateFile, {
      pid: process.pid,
      port: server.port,
      url: server.url,
    });
    temp = next.temp;
    renameSync(next.temp, stateFile);
    written = next.text;
  } catch (err) {
    if (temp !== undefined) removeQuietly(temp);
    process.off('exit', onExit);
    await server.stop();
    removeIfUnchanged(stateFile, written);
    throw err;
  }
  let stopped = false;
  return {
    url: server.url,
    startedHere: true,
    ownerPid: process.pid,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await server.stop();
      } finally {
        process.off('exit', onExit);
        // Only now: until its data is closed, nobody else may open the folder.
        removeIfUnchanged(stateFile, written);
      }
    },
  };
}
