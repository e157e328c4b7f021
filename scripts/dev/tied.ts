// Child processes that end with this one however it ends, SIGKILL included, through a pipe they watch.
import {
  spawn,
  type ChildProcess,
  type SpawnOptions,
  type StdioNull,
  type StdioPipe,
} from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import type { Socket } from 'node:net';
import path from 'node:path';

const POSIX = process.platform !== 'win32';

/*
 * Node cannot ask the kernel to end a child with its parent (PR_SET_PDEATHSIG), so each child gets a watchdog:
 * `/bin/sh -c TIE tie <group|alone> [folder] <file> [args...]` starts, in the background, a shell that reads
 * fd 3, a pipe whose other end only this process holds, then becomes the command itself (exec keeps the pid,
 * the exit status and the output). A line on the pipe says the command has exited: the watchdog leaves. End
 * of file says this process is gone: the watchdog removes the folder, if given, and kills the command (its
 * process group when it leads one). The watchdog ignores the signals that stop the command, and holds none
 * of its output, so that nothing waits on it but the pipe.
 */
// The folder goes first: killing a process group kills the watchdog in it too.
const WATCHDOG =
  'trap "" HUP INT TERM; read -r _ <&3 || { [ -z "$1" ] || rm -rf "$1"; kill -KILL "$0" 2>/dev/null; }';
const TIE =
  `t=$$; [ "$1" = group ] && t=-$$; d=$2; shift 2; ` +
  `/bin/sh -c '${WATCHDOG}' "$t" "$d" </dev/null >/dev/null 2>&1 & exec "$@" 3<&-`;

type Stdio = StdioNull | StdioPipe | 'inherit';

export interface TiedOptions extends Omit<SpawnOptions, 'stdio'> {
  /** stdin, stdout and stderr, as spawn takes them. */
  readonly stdio: readonly [Stdio, Stdio, Stdio];
  /** A folder of the command's own, removed when the watchdog has to kill it. */
  readonly folder?: string;
}

/** The file that spawn would run for `file`, or undefined when there is none to run. */
function executable(file: string, env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  const candidates = file.includes('/')
    ? [path.resolve(cwd, file)]
    : (env.PATH ?? '')
        .split(path.delimiter)
        .filter(Boolean)
        .map((dir) => path.resolve(cwd, dir, file));
  return candidates.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * spawn(file, args, options), except that the child ends if this process ends without stopping it: by a
 * signal, an uncaught error or SIGKILL. Its pid, exit code, signal and output are the command's own; with
 * `detached`, its whole process group ends. A command that cannot be found is spawned as it is, so that it
 * fails with spawn's own ENOENT error; so is one run through `shell`, and any on Windows.
 */
export function spawnTied(
  file: string,
  args: readonly string[],
  options: TiedOptions,
): ChildProcess {
  const { folder, stdio, ...rest } = options;
  const cwd = typeof rest.cwd === 'string' ? rest.cwd : (rest.cwd?.pathname ?? process.cwd());
  if (!POSIX || rest.shell || executable(file, rest.env ?? process.env, cwd) === undefined) {
    return spawn(file, args, { ...rest, stdio: [...stdio] });
  }
  const child = spawn(
    '/bin/sh',
    ['-c', TIE, 'tie', rest.detached ? 'group' : 'alone', folder ?? '', file, ...args],
    { ...rest, stdio: [...stdio, 'pipe'] },
  );
  const lifeline = child.stdio[3] as Socket | null | undefined;
  if (lifeline) {
    // The watchdog may be gone already (killed with its group): nothing to tell it then.
    lifeline.on('error', () => {});
    // Read to its end, so that the child's 'close' comes once the watchdog has left.
    lifeline.resume();
    child.once('exit', () => lifeline.end('\n'));
  }
  return child;
}
