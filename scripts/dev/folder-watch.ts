// Watches folders of the project for files added, changed or removed, as an editor saves them.
import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

// An editor's save comes as several events (and vim's probe file comes and goes): wait for quiet.
const SETTLE_MS = 250;

/** Editors' own files, never read by the project: swap files, backups, hidden files. */
function ignored(name: string): boolean {
  return name.startsWith('.') || name.endsWith('~') || /\.(swp|swx|tmp)$/.test(name);
}

/** Each file of `dir` with what tells a change: its size and modification time. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return files;
  }
  for (const name of names) {
    if (ignored(name)) continue;
    try {
      const stat = statSync(path.join(dir, name));
      if (stat.isFile()) files.set(name, `${stat.size}:${stat.mtimeMs}`);
    } catch {
      // Removed meanwhile: the next snapshot tells.
    }
  }
  return files;
}

/** "migrations/a.ts added", "migrations/b.ts changed", or how many when there are more. */
function describe(folder: string, before: Map<string, string>, after: Map<string, string>): string {
  const changes: string[] = [];
  for (const [name, state] of after) {
    if (!before.has(name)) changes.push(`${folder}/${name} added`);
    else if (before.get(name) !== state) changes.push(`${folder}/${name} changed`);
  }
  for (const name of before.keys()) if (!after.has(name)) changes.push(`${folder}/${name} removed`);
  return changes.length <= 3 ? changes.join(', ') : `${changes.length} files in ${folder}/ changed`;
}

export interface FolderWatch {
  close(): void;
}

/**
 * Calls `onChange` with what changed whenever files are added to, changed in or removed from one of
 * `folders` (relative to `root`; those that do not exist are left out). Only the files directly inside.
 */
export function watchFolders(
  root: string,
  folders: readonly string[],
  onChange: (what: string) => void,
): FolderWatch {
  const watchers: FSWatcher[] = [];
  const timers = new Set<NodeJS.Timeout>();
  for (const folder of folders) {
    const dir = path.join(root, folder);
    let watcher: FSWatcher;
    try {
      if (!statSync(dir).isDirectory()) continue;
      watcher = watch(dir, { persistent: false });
    } catch {
      continue;
    }
    let last = snapshot(dir);
    let timer: NodeJS.Timeout | undefined;
    // A folder that is removed ends its watch; nothing to report then.
    watcher.on('error', () => watcher.close());
    watcher.on('change', () => {
      if (timer) {
        clearTimeout(timer);
        timers.delete(timer);
      }
      timer = setTimeout(() => {
        if (timer) timers.delete(timer);
        const next = snapshot(dir);
        const what = describe(folder, last, next);
        last = next;
        if (what !== '') onChange(what);
      }, SETTLE_MS);
      timers.add(timer);
    });
    watchers.push(watcher);
  }
  return {
    close() {
      for (const watcher of watchers) watcher.close();
      for (const timer of timers) clearTimeout(timer);
    },
  };
}
