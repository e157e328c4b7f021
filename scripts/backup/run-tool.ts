// Runs pg_dump or pg_restore to its end, its --verbose lines handed over one by one, Ctrl-C passed on.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Tool } from './pg-tools.ts';

export interface ToolExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** A signal we got while it ran: the user stopped it. */
  interrupted: NodeJS.Signals | undefined;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export function runTool(
  tool: Tool,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void,
): Promise<ToolExit> {
  const child = spawn(tool, args, { env, stdio: ['ignore', 'inherit', 'pipe'] });
  let interrupted: NodeJS.Signals | undefined;
  // Stay alive until the tool has stopped, so that what it leaves (a partial file) is cleaned up.
  // A terminal's Ctrl-C reaches the tool directly, as it shares our process group.
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted ??= signal;
    if (signal !== 'SIGINT') child.kill(signal);
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  if (child.stderr)
    createInterface({ input: child.stderr, crlfDelay: Infinity }).on('line', onLine);
  return new Promise((resolve, reject) => {
    const done = () => {
      for (const signal of SIGNALS) process.off(signal, onSignal);
    };
    child.once('error', (err) => {
      done();
      reject(err);
    });
    child.once('close', (code, signal) => {
      done();
      resolve({ code, signal, interrupted });
    });
  });
}

/** What a tool's stderr line is: its progress talk, or something the user must see. */
export function isNoise(tool: Tool, line: string): boolean {
  if (line.trim() === '') return true;
  return line.startsWith(`${tool}: `) && !/^\S+: (error|warning|detail|hint): /.test(line);
}
