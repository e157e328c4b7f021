// A deploy test's world: a real git project, a real bare repository per app, the fake heroku first on PATH,
// a /healthz server and a webhook receiver; `deploy(...)` runs the tool's main() against them.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../../../scripts/deploy/main.ts';
import { onCleanup } from '../../support/cleanup.ts';
import {
  fakeDyno,
  fakeRelease,
  installFakeHeroku,
  type FakeApp,
  type FakeState,
} from './fake-heroku.ts';

const FAKE = fileURLToPath(new URL('./fake-heroku.ts', import.meta.url));
export const STAGING = 'campaign-kit-staging';
export const PRODUCTION = 'campaign-kit-production';

export interface Result {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export interface World {
  readonly dir: string;
  readonly project: string;
  git(...args: string[]): string;
  /** Writes files (null deletes) and commits them with a fixed author; answers the full SHA. */
  commit(files: Record<string, string | null>, message: string): string;
  state(): FakeState;
  update(change: (state: FakeState) => void): void;
  /** Every heroku argv the tool ran, in order. */
  calls(): string[][];
  /** The refs of an app's bare repository. */
  remoteMain(app: string): string | undefined;
  deploy(
    argv: string[],
    options?: { input?: string; isTTY?: boolean; env?: Record<string, string> },
  ): Promise<Result>;
  health: { status: number };
  webhook: { url: string; bodies: unknown[] };
}

const AUTHOR = {
  GIT_AUTHOR_NAME: 'Dev Example',
  GIT_AUTHOR_EMAIL: 'dev@example.com',
  GIT_COMMITTER_NAME: 'Dev Example',
  GIT_COMMITTER_EMAIL: 'dev@example.com',
};

let clock = 0;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function createWorld(): Promise<World> {
  const dir = mkdtempSync(path.join(tmpdir(), 'deploy-test-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const project = path.join(dir, 'project');
  const bin = path.join(dir, 'bin');
  const stateFile = path.join(dir, 'heroku-state.json');
  const logFile = path.join(dir, 'heroku-calls.jsonl');
  mkdirSync(project);
  mkdirSync(bin);
  writeFileSync(logFile, '');

  const baseEnv = {
    ...process.env,
    ...AUTHOR,
    HOME: dir,
    GIT_CONFIG_NOSYSTEM: '1',
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
    FAKE_HEROKU_STATE: stateFile,
    FAKE_HEROKU_LOG: logFile,
  };
  const git = (...args: string[]) => {
    const date = `2026-11-01T10:${String(clock++ % 60).padStart(2, '0')}:00Z`;
    return execFileSync('git', args, {
      cwd: project,
      env: { ...baseEnv, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
      encoding: 'utf8',
    });
  };
  const commit = (files: Record<string, string | null>, message: string) => {
    for (const [name, text] of Object.entries(files)) {
      const file = path.join(project, name);
      if (text === null) rmSync(file);
      else {
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, text);
      }
    }
    git('add', '--all');
    git('commit', '--quiet', '--message', message);
    return git('rev-parse', 'HEAD').trim();
  };

  git('init', '--quiet', '--initial-branch=main');
  git('config', 'user.email', 'dev@example.com');
  git('config', 'user.name', 'Dev Example');
  const first = commit(
    {
      'deploy/environments.json': JSON.stringify({
        pipeline: 'campaign-kit',
        environments: {
          staging: { app: STAGING, branch: 'main' },
          production: { app: PRODUCTION, branch: 'main', promoteFrom: 'staging' },
        },
      }),
      'migrations/20261123090000_create_users.ts': 'export {};\n',
      'src/server.ts': 'export {};\n',
    },
    'First version',
  );

  // Both apps run the first commit: staging from a push, production from a promotion of staging's slug.
  const slug = randomUUID();
  const state: FakeState = {
    email: 'dev@example.com',
    apps: {},
    slugs: { [slug]: first },
    pending: {},
    outputs: {},
  };
  for (const name of [STAGING, PRODUCTION]) {
    const bare = path.join(dir, `${name}.git`);
    execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', bare]);
    git('push', '--quiet', bare, `${first}:refs/heads/main`);
    const hook = path.join(bare, 'hooks', 'post-receive');
    writeFileSync(
      hook,
      `#!/bin/sh\nFAKE_HEROKU_STATE='${stateFile}' exec '${process.execPath}' '${FAKE}' __receive ${name}\n`,
    );
    chmodSync(hook, 0o755);
    const app: FakeApp = {
      id: randomUUID(),
      name,
      git_url: bare,
      web_url: `https://${name}-0a1b2c3d4e5f.herokuapp.com/`,
      maintenance: false,
      releases: [],
      builds: [],
      dynos: [],
      next: {
        status: 'succeeded',
        output: ['Running release command...', 'applying migrations'],
        dynoState: 'up',
      },
    };
    const initial = fakeRelease(app, { version: 1, description: 'Initial release' });
    const running = fakeRelease(app, {
      version: 2,
      current: true,
      slug: { id: slug },
      description:
        name === STAGING
          ? `Deploy ${first.slice(0, 8)}`
          : `Promote ${STAGING} v2 ${first.slice(0, 8)}`,
    });
    app.releases = [initial, running];
    app.dynos = [fakeDyno(app, running, 1, 'up'), fakeDyno(app, running, 2, 'up')];
    state.apps[name] = app;
  }
  writeFileSync(stateFile, JSON.stringify(state, null, 2));
  installFakeHeroku(bin);

  const health = { status: 200 };
  const healthUrl = await listen(
    createServer((req, res) => {
      res.statusCode = req.url === '/healthz' ? health.status : 404;
      res.end();
    }),
  );
  const webhook = { url: '', bodies: [] as unknown[] };
  webhook.url = `${await listen(
    createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        webhook.bodies.push(JSON.parse(body));
        res.end('ok');
      });
    }),
  )}/hook`;

  const readState = () => JSON.parse(readFileSync(stateFile, 'utf8')) as FakeState;
  return {
    dir,
    project,
    git,
    commit,
    state: readState,
    update(change) {
      const next = readState();
      change(next);
      writeFileSync(stateFile, JSON.stringify(next, null, 2));
    },
    calls: () =>
      readFileSync(logFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as string[]),
    remoteMain(app) {
      try {
        return execFileSync('git', ['rev-parse', 'main'], {
          cwd: path.join(dir, `${app}.git`),
          encoding: 'utf8',
        }).trim();
      } catch {
        return undefined;
      }
    },
    async deploy(argv, options = {}) {
      let out = '';
      let err = '';
      const code = await main(argv, {
        root: project,
        env: {
          ...baseEnv,
          DEPLOY_POLL_INTERVAL_MS: '10',
          DEPLOY_DYNO_TIMEOUT_MS: '10000',
          DEPLOY_RELEASE_TIMEOUT_MS: '20000',
          DEPLOY_HEALTHZ_BASE_URL: healthUrl,
          ...options.env,
        },
        input: { stream: Readable.from([options.input ?? '']), isTTY: options.isTTY ?? false },
        stdout: (text) => (out += text),
        stderr: (text) => (err += text),
        now: () => new Date('2026-11-02T09:00:00.000Z'),
      });
      return { code, out, err };
    },
    health,
    webhook,
  };
}

/** The heroku commands that change something, as "command app" strings, in order. */
export function writes(calls: readonly string[][]): string[] {
  const reads = new Set(['auth:whoami', 'releases', 'apps:info', 'ps', 'releases:output']);
  return calls.filter((argv) => !reads.has(argv[0] ?? '')).map((argv) => argv.join(' '));
}
