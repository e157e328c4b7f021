// The git facts and actions a deploy needs, run in the project's work tree.
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ChangedFile {
  /** git's letter: A added, M modified, D deleted, R renamed… */
  readonly status: string;
  readonly path: string;
}

export interface Git {
  readonly cwd: string;
  /** `git status --porcelain`: one line per changed or untracked file. */
  status(): Promise<string[]>;
  /** The checked-out branch, or undefined on a detached HEAD. */
  branch(): Promise<string | undefined>;
  /** The full SHA of a revision, or undefined when this clone does not have it. */
  resolve(rev: string): Promise<string | undefined>;
  isAncestor(ancestor: string, descendant: string): Promise<boolean>;
  /** `git log --oneline from..to`. */
  log(from: string | undefined, to: string): Promise<string[]>;
  /** `git diff --name-status from to` (renames as the new path). */
  changedFiles(from: string | undefined, to: string): Promise<ChangedFile[]>;
  userEmail(): Promise<string | undefined>;
  /** Pushes, handing each line git prints (the remote's build output) to `onLine` as it comes. */
  push(remote: string, refspec: string, onLine: (line: string) => void): Promise<void>;
  tag(name: string, sha: string, message: string): Promise<void>;
}

// An empty tree: what a first deploy's diff starts from.
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

export function createGit(cwd: string, env: NodeJS.ProcessEnv): Git {
  const git = async (...args: string[]) =>
    (await run('git', args, { cwd, env, maxBuffer: 64 * 1024 * 1024 })).stdout;
  const lines = (text: string) => text.split('\n').filter((line) => line.length > 0);
  const succeeds = (...args: string[]) =>
    git(...args).then(
      () => true,
      () => false,
    );

  return {
    cwd,
    status: async () => lines(await git('status', '--porcelain', '--untracked-files=all')),
    async branch() {
      const name = (await git('rev-parse', '--abbrev-ref', 'HEAD')).trim();
      return name === 'HEAD' ? undefined : name;
    },
    async resolve(rev) {
      try {
        return (
          (await git('rev-parse', '--verify', '--quiet', `${rev}^{commit}`)).trim() || undefined
        );
      } catch {
        return undefined;
      }
    },
    isAncestor: (ancestor, descendant) =>
      succeeds('merge-base', '--is-ancestor', ancestor, descendant),
    log: async (from, to) => lines(await git('log', '--oneline', from ? `${from}..${to}` : to)),
    async changedFiles(from, to) {
      const out = await git('diff', '--name-status', '-M', from ?? EMPTY_TREE, to);
      return lines(out).map((line) => {
        const [status = '', ...paths] = line.split('\t');
        return { status: status.charAt(0), path: paths.at(-1) ?? '' };
      });
    },
    async userEmail() {
      try {
        return (await git('config', 'user.email')).trim() || undefined;
      } catch {
        return undefined;
      }
    },
    push: (remote, refspec, onLine) =>
      new Promise((resolve, reject) => {
        const child = spawn('git', ['push', remote, refspec], {
          cwd,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const said: string[] = [];
        for (const stream of [child.stdout, child.stderr]) {
          createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
            said.push(line);
            onLine(line);
          });
        }
        child.on('error', reject);
        child.on('close', (code) =>
          code === 0
            ? resolve()
            : reject(
                new Error(
                  `git push exited with ${code ?? 'a signal'}: ${said.slice(-3).join(' / ')}`,
                ),
              ),
        );
      }),
    async tag(name, sha, message) {
      await git('tag', '--annotate', name, sha, '--message', message);
    },
  };
}
