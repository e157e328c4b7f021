// An in-process stand-in for the `heroku` CLI: records every argv and answers as the real CLI (v11) does.
import type { ConfigVars, Dyno, HerokuCli } from '../../scripts/ops/heroku-cli.ts';

export interface FakeApp {
  config: ConfigVars;
  /** The worker quantity; `heroku ps --json` lists one dyno for each. */
  workers?: number;
  maintenance?: boolean;
}

export interface FakeHeroku extends HerokuCli {
  readonly calls: string[][];
  readonly apps: Record<string, FakeApp>;
  /** Commands given to `run`, as one string each: the ones that change something. */
  writes(): string[];
}

/** The value after `-a` (or `--app`). */
export function appOf(args: readonly string[]): string {
  const at = args.findIndex((a) => a === '-a' || a === '--app');
  const app = at >= 0 ? args[at + 1] : undefined;
  if (app === undefined) throw new Error(`Missing required flag app: ${args.join(' ')}`);
  return app;
}

export function fakeHeroku(
  apps: Record<string, FakeApp>,
  overrides: Partial<Record<string, (args: readonly string[]) => Promise<void>>> = {},
): FakeHeroku {
  const calls: string[][] = [];
  const runs: string[] = [];
  const appNamed = (args: readonly string[]) => {
    const name = appOf(args);
    const app = apps[name];
    if (!app) throw new Error(`Couldn't find that app. (${name})`);
    return app;
  };
  const answer = <T>(args: readonly string[]): T => {
    const app = appNamed(args);
    if (args[0] === 'config' && args.includes('--json')) return { ...app.config } as T;
    if (args[0] === 'ps' && args.includes('--json')) {
      const dynos: Dyno[] = [{ name: 'web.1', type: 'web', state: 'up' }];
      for (let n = 1; n <= (app.workers ?? 0); n++) {
        dynos.push({ name: `worker.${n}`, type: 'worker', state: 'up' });
      }
      return dynos as T;
    }
    throw new Error(`the fake heroku CLI has no JSON answer for: ${args.join(' ')}`);
  };
  return {
    calls,
    apps,
    writes: () => [...runs],
    // Async as the real one is: a refusal arrives as a rejection, never as a throw.
    json<T>(args: readonly string[]): Promise<T> {
      calls.push([...args]);
      return Promise.resolve().then(() => answer<T>(args));
    },
    async run(args: readonly string[]): Promise<void> {
      calls.push([...args]);
      runs.push(args.join(' '));
      const app = appNamed(args);
      const command = args[0] ?? '';
      const override = overrides[command];
      if (override) return override(args);
      if (command === 'maintenance:on') app.maintenance = true;
      else if (command === 'maintenance:off') app.maintenance = false;
      else if (command === 'ps:scale') {
        const change = args.map((a) => /^worker=(\d+)$/.exec(a)).find(Boolean);
        if (!change?.[1])
          throw new Error(`the fake heroku CLI scales only the worker: ${args.join(' ')}`);
        app.workers = Number(change[1]);
      } else throw new Error(`the fake heroku CLI cannot run: ${args.join(' ')}`);
    },
  };
}
