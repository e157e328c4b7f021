// Writes the workshop repository with `git fast-import`: a base commit, one commit per step, a tag
// per step. Author, dates, modes and messages are fixed, so the same source gives the same SHAs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import type { Tree } from './source.ts';

export interface Commit {
  message: string;
  tree: Tree;
  tag?: string;
}

export interface WriteOptions {
  author: string;
  /** Unix seconds of the first commit; each later commit is one minute after the one before. */
  epoch: number;
  force: boolean;
}

export const DEFAULT_AUTHOR = 'Campaign Workshop <workshop@example.invalid>';
export const DEFAULT_EPOCH = Date.UTC(2026, 0, 1) / 1000;

const data = (content: Buffer | string) => {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
  return [Buffer.from(`data ${bytes.length}\n`), bytes, Buffer.from('\n')];
};

export function fastImportStream(commits: readonly Commit[], options: WriteOptions): Buffer {
  const parts: Buffer[] = [];
  const text = (s: string) => parts.push(Buffer.from(s));
  commits.forEach((commit, index) => {
    const when = `${options.epoch + index * 60} +0000`;
    text(`commit refs/heads/main\nmark :${index + 1}\n`);
    text(`author ${options.author} ${when}\ncommitter ${options.author} ${when}\n`);
    parts.push(...data(commit.message.endsWith('\n') ? commit.message : `${commit.message}\n`));
    if (index > 0) text(`from :${index}\n`);
    text('deleteall\n');
    for (const path of [...commit.tree.keys()].sort()) {
      const file = commit.tree.get(path)!;
      const mode = file.mode === '100755' || file.mode === '120000' ? file.mode : '100644';
      text(`M ${mode} inline ${path}\n`);
      parts.push(...data(file.content));
    }
    text('\n');
  });
  commits.forEach((commit, index) => {
    if (commit.tag) text(`reset refs/tags/${commit.tag}\nfrom :${index + 1}\n\n`);
  });
  return Buffer.concat(parts);
}

export function writeRepository(
  dir: string,
  commits: readonly Commit[],
  options: WriteOptions,
): void {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    if (!options.force) {
      throw new Error(
        `${dir} exists and is not empty: choose another --out, or add --force to replace it`,
      );
    }
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
  const git = (args: string[], input?: Buffer) =>
    execFileSync('git', args, {
      cwd: dir,
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
      maxBuffer: 1 << 30,
    });
  git(['init', '--quiet', '--initial-branch=main']);
  git(['config', 'core.autocrlf', 'false']);
  git(['fast-import', '--quiet', '--force'], fastImportStream(commits, options));
  git(['checkout', '--quiet', '--force', 'main']);
}

export function tagShas(dir: string): Map<string, string> {
  const out = execFileSync('git', ['show-ref', '--tags', '--heads'], { cwd: dir }).toString('utf8');
  return new Map(
    out
      .trim()
      .split('\n')
      .map((line) => line.split(' ') as [string, string])
      .map(([sha, ref]) => [ref, sha]),
  );
}
