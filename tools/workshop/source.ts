// Reads a commit of a git repository, never the working tree: only committed content becomes a step.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';

export interface TreeFile {
  /** Git file mode: 100644, 100755 or 120000 (symlink). */
  mode: string;
  content: Buffer;
}

export type Tree = Map<string, TreeFile>;

const git = (cwd: string, args: string[], input?: Buffer) =>
  execFileSync('git', args, { cwd, input, maxBuffer: 1 << 30 });

export function readCommit(repoDir: string, ref = 'HEAD'): Tree {
  const listing = git(repoDir, ['ls-tree', '-r', '-z', '--full-tree', ref]).toString('utf8');
  const entries = listing
    .split('\0')
    .filter(Boolean)
    .map((entry) => {
      const [meta, path] = entry.split('\t') as [string, string];
      const [mode, type, sha] = meta.split(' ') as [string, string, string];
      if (type !== 'blob')
        throw new Error(`${path}: ${type} entries (submodules) are not supported`);
      return { mode, sha, path };
    });
  const batch = git(
    repoDir,
    ['cat-file', '--batch'],
    Buffer.from(entries.map((e) => e.sha).join('\n') + '\n'),
  );
  const tree: Tree = new Map();
  let offset = 0;
  for (const { mode, path } of entries) {
    const headerEnd = batch.indexOf(0x0a, offset);
    const size = Number(batch.subarray(offset, headerEnd).toString('utf8').split(' ')[2]);
    const content = batch.subarray(headerEnd + 1, headerEnd + 1 + size);
    tree.set(path, { mode, content: Buffer.from(content) });
    offset = headerEnd + 1 + size + 1;
  }
  return tree;
}

/** Paths with uncommitted changes, so the CLI can say they are left out. */
export function uncommittedPaths(repoDir: string): string[] {
  return git(repoDir, ['status', '--porcelain', '-z'])
    .toString('utf8')
    .split('\0')
    .filter(Boolean)
    .map((line) => line.slice(3));
}

/** Tracked and new (not ignored) files as they are on disk: for previews such as the decks. */
export function readWorkingTree(repoDir: string): Tree {
  const paths = git(repoDir, ['ls-files', '-z', '--cached', '--others', '--exclude-standard'])
    .toString('utf8')
    .split('\0')
    .filter(Boolean);
  const tree: Tree = new Map();
  for (const file of paths) {
    const full = path.join(repoDir, file);
    if (!existsSync(full)) continue; // deleted but not yet committed
    const stat = lstatSync(full);
    if (stat.isSymbolicLink()) {
      tree.set(file, { mode: '120000', content: Buffer.from(readlinkSync(full)) });
    } else {
      tree.set(file, {
        mode: stat.mode & 0o111 ? '100755' : '100644',
        content: readFileSync(full),
      });
    }
  }
  return tree;
}
