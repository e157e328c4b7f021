// A stand-in for the `heroku` CLI (v11) in tests: records every argv and answers from a JSON state file with
// the Platform API's shapes (and the CLI's own text where it has no --json). `fake-heroku.ts __receive APP` is the bare repository's post-receive hook.
import { randomUUID } from 'node:crypto';
import { appendFileSync, chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface FakeRelease {
  addon_plan_names: string[];
  app: { id: string; name: string };
  created_at: string;
  current: boolean;
  description: string;
  eligible_for_rollback: boolean;
  id: string;
  output_stream_url: string | null;
  slug: { id: string } | null;
  status: 'pending' | 'succeeded' | 'failed' | 'expired';
  updated_at: string;
  user: { email: string; id: string };
  version: number;
}

export interface FakeDyno {
  attach_url: null;
  app: { id: string; name: string };
  command: string;
  created_at: string;
  id: string;
  name: string;
  release: { id: string; version: number };
  size: string;
  state: 'up' | 'starting' | 'crashed' | 'down' | 'idle';
  type: string;
  updated_at: string;
}

export interface FakeApp {
  id: string;
  name: string;
  git_url: string;
  web_url: string;
  maintenance: boolean;
  releases: FakeRelease[];
  builds: unknown[];
  dynos: FakeDyno[];
  /** The app's config vars (`heroku config --json`: name → value). */
  config?: Record<string, string>;
  /** What the production check reads (test/check-deploy/fixtures); each is empty when unset. */
  production?: FakeProduction;
  /** How the next release turns out: its status, its release phase output, its web dynos' state. */
  next: {
    status: 'succeeded' | 'failed';
    output: string[];
    dynoState: FakeDyno['state'];
    /** Reads of `releases` while it stays pending (default 1). */
    reads?: number;
  };
}

/** An app's resources as the CLI prints them: the Platform API's, the data API's for Redis. */
export interface FakeProduction {
  /** Fields of the app resource (acm, stack, build_stack…) over the defaults of `apps:info`. */
  info?: Record<string, unknown>;
  addons?: Array<{ addon_service: { name: string } } & Record<string, unknown>>;
  domains?: unknown[];
  /** Every feature, as the API lists them; `features` prints those in state "general". */
  features?: Array<{ name: string; state: string } & Record<string, unknown>>;
  drains?: unknown[];
  /** The data API's database resources of the app's Redis add-ons. */
  redis?: Array<Record<string, unknown>>;
  /** The names the Platform API's /stacks lists. */
  stacks?: string[];
  backupSchedules?: Array<{ name: string; hour: number; timezone: string }>;
}

export interface FakeState {
  email: string | null;
  apps: Record<string, FakeApp>;
  /** The commit of each slug (the Platform API's slug.commit). */
  slugs: Record<string, string>;
  /** Reads of `releases` left before a pending release settles, by release id. */
  pending: Record<string, number>;
  /** Release phase output, by release id. */
  outputs: Record<string, string[]>;
  /** Commands that fail, as when the API answers 500. */
  broken?: string[];
}

const USER_ID = '5f2a4c1e-8d3b-4a6f-9e0c-1b2d3e4f5a6b';
const stamp = () => new Date().toISOString();

export function fakeRelease(
  app: FakeApp,
  fields: Partial<FakeRelease> & Pick<FakeRelease, 'version' | 'description'>,
): FakeRelease {
  const id = randomUUID();
  return {
    addon_plan_names: ['heroku-postgresql:essential-0'],
    app: { id: app.id, name: app.name },
    created_at: stamp(),
    current: false,
    eligible_for_rollback: true,
    id,
    output_stream_url: `https://release-output.example.test/streams/${id}`,
    slug: null,
    status: 'succeeded',
    updated_at: stamp(),
    user: { email: 'dev@example.com', id: USER_ID },
    ...fields,
  };
}

export function fakeDyno(
  app: FakeApp,
  release: FakeRelease,
  n: number,
  state: FakeDyno['state'],
): FakeDyno {
  return {
    attach_url: null,
    app: { id: app.id, name: app.name },
    command: 'npm start',
    created_at: stamp(),
    id: randomUUID(),
    name: `web.${n}`,
    release: { id: release.id, version: release.version },
    size: 'Basic',
    state,
    type: 'web',
    updated_at: stamp(),
  };
}

/** Puts a `heroku` into `bin` that runs this fake; it reads FAKE_HEROKU_STATE and appends to FAKE_HEROKU_LOG. */
export function installFakeHeroku(bin: string): void {
  const file = path.join(bin, 'heroku');
  writeFileSync(
    file,
    `#!/bin/sh\nexec '${process.execPath}' '${fileURLToPath(import.meta.url)}' "$@"\n`,
  );
  chmodSync(file, 0o755);
}

function load(file: string): FakeState {
  return JSON.parse(readFileSync(file, 'utf8')) as FakeState;
}

function addRelease(state: FakeState, app: FakeApp, description: string, slugId: string | null) {
  const version = Math.max(0, ...app.releases.map((r) => r.version)) + 1;
  const release = fakeRelease(app, {
    version,
    description,
    status: 'pending',
    slug: slugId ? { id: slugId } : null,
  });
  app.releases.push(release);
  state.pending[release.id] = app.next.reads ?? 1;
  state.outputs[release.id] = app.next.output;
  return release;
}

/** A pending release settles on a later read, as the release phase takes a while. */
function settle(app: FakeApp, state: FakeState) {
  for (const release of app.releases) {
    const left = state.pending[release.id];
    if (release.status !== 'pending' || left === undefined) continue;
    if (left > 0) {
      state.pending[release.id] = left - 1;
      continue;
    }
    release.status = app.next.status;
    release.updated_at = stamp();
    if (release.status === 'succeeded') {
      for (const other of app.releases) other.current = other === release;
      app.dynos = app.dynos.map((_, i) => fakeDyno(app, release, i + 1, app.next.dynoState));
    }
  }
}

function appOf(state: FakeState, name: string | undefined): FakeApp {
  const app = name === undefined ? undefined : state.apps[name];
  if (!app) fail(` ▸    Couldn't find that app.`, 1);
  return app;
}

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function flag(argv: readonly string[], ...names: string[]): string | undefined {
  const at = argv.findIndex((arg) => names.includes(arg));
  return at === -1 ? undefined : argv[at + 1];
}

function heroku(argv: string[], stateFile: string) {
  const state = load(stateFile);
  const save = () => writeFileSync(stateFile, JSON.stringify(state, null, 2));
  const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  const [command, ...rest] = argv;
  const positional = rest.filter(
    (arg, i) => !arg.startsWith('-') && !(rest[i - 1] ?? '').startsWith('-'),
  );
  if (state.email === null && command !== undefined)
    fail(
      command === 'auth:whoami' ? ' ▸    not logged in' : ' ▸    Invalid credentials provided.',
      command === 'auth:whoami' ? 100 : 1,
    );
  const appName = flag(rest, '-a', '--app');
  if (command !== undefined && state.broken?.includes(command))
    fail(' ▸    Internal server error. Please try again later.', 1);
  switch (command) {
    case 'auth:whoami':
      process.stdout.write(`${state.email}\n`);
      return;
    case 'releases': {
      const app = appOf(state, appName);
      settle(app, state);
      save();
      const num = Number(flag(rest, '-n', '--num') ?? 15);
      print(app.releases.toSorted((a, b) => b.version - a.version).slice(0, num));
      return;
    }
    case 'apps:info': {
      const app = appOf(state, appName);
      const { releases: _r, builds: _b, dynos, next: _n, production, ...fields } = app;
      print({
        addons: production?.addons ?? [],
        app: {
          ...fields,
          acm: false,
          buildpack_provided_description: 'heroku/nodejs',
          build_stack: { id: randomUUID(), name: 'heroku-24' },
          create_status: 'complete',
          owner: { email: state.email, id: USER_ID },
          region: { id: randomUUID(), name: 'us' },
          stack: { id: randomUUID(), name: 'heroku-24' },
          ...production?.info,
        },
        collaborators: [],
        dynos,
        pipeline_coupling: null,
      });
      return;
    }
    case 'ps':
      print(appOf(state, appName).dynos);
      return;
    case 'maintenance:on':
    case 'maintenance:off': {
      const app = appOf(state, appName);
      app.maintenance = command === 'maintenance:on';
      save();
      process.stderr.write(
        `${command === 'maintenance:on' ? 'Enabling' : 'Disabling'} maintenance mode for ⬢ ${app.name}... done\n`,
      );
      return;
    }
    case 'pipelines:promote': {
      const from = appOf(state, appName);
      const to = appOf(state, flag(rest, '-t', '--to'));
      const current = from.releases.find((r) => r.current);
      const slug = current?.slug?.id;
      if (!current || !slug) fail(' ▸    no release to promote', 1);
      const commit = state.slugs[slug] ?? '';
      addRelease(state, to, `Promote ${from.name} v${current.version} ${commit.slice(0, 8)}`, slug);
      save();
      process.stdout.write(`Waiting for promotion to complete...\nRunning release command...\n`);
      for (const line of to.next.output) process.stdout.write(`${line}\n`);
      return;
    }
    case 'releases:rollback': {
      const app = appOf(state, appName);
      const wanted = Number((positional[0] ?? '').replace(/^v/, ''));
      const target = app.releases.find((r) => r.version === wanted);
      if (!target) fail(` ▸    Couldn't find that release.`, 1);
      const release = addRelease(
        state,
        app,
        `Rollback to v${target.version}`,
        target.slug?.id ?? null,
      );
      save();
      process.stdout.write(
        `Rolling back ⬢ ${app.name} to v${target.version}... done, v${release.version}\n`,
      );
      process.stdout.write('Running release command...\n');
      for (const line of app.next.output) process.stdout.write(`${line}\n`);
      return;
    }
    case 'config':
      print(appOf(state, appName).config ?? {});
      return;
    case 'config:set': {
      // As on Heroku: a config change is a release of the running slug with the new config.
      const app = appOf(state, appName);
      const pairs = positional.map((arg) => arg.split(/=(.*)/s).slice(0, 2) as [string, string]);
      app.config = { ...app.config, ...Object.fromEntries(pairs) };
      const slug = app.releases.find((r) => r.current)?.slug?.id ?? null;
      const names = pairs.map(([name]) => name).join(', ');
      const release = addRelease(state, app, `Set ${names} config vars`, slug);
      release.status = 'succeeded';
      for (const other of app.releases) other.current = other === release;
      delete state.pending[release.id];
      save();
      process.stderr.write(
        `Setting ${names} and restarting ⬢ ${app.name}... done, v${release.version}\n`,
      );
      return;
    }
    case 'releases:output': {
      const app = appOf(state, appName);
      const wanted = Number((positional[0] ?? '').replace(/^v/, ''));
      const release = app.releases.find((r) => r.version === wanted);
      if (!release) fail(` ▸    Couldn't find that release.`, 1);
      for (const line of state.outputs[release.id] ?? []) process.stdout.write(`${line}\n`);
      return;
    }
    case 'addons':
      print(appOf(state, appName).production?.addons ?? []);
      return;
    case 'domains':
      print(appOf(state, appName).production?.domains ?? []);
      return;
    case 'features':
      print(
        (appOf(state, appName).production?.features ?? []).filter((f) => f.state === 'general'),
      );
      return;
    case 'drains':
      print(appOf(state, appName).production?.drains ?? []);
      return;
    case 'redis:info':
      // With --json the CLI prints [] when the app has no Redis add-on, where its text form says so and exits 1.
      print(appOf(state, appName).production?.redis ?? []);
      return;
    case 'apps:stacks': {
      const app = appOf(state, appName);
      const info = app.production?.info as
        { stack?: { name: string }; build_stack?: { name: string } } | undefined;
      const current = info?.stack?.name ?? 'heroku-24';
      const next = info?.build_stack?.name ?? current;
      const lines = (app.production?.stacks ?? ['heroku-22', 'heroku-24'])
        .toSorted()
        .map((name) =>
          name === current
            ? `* ${name}`
            : name === next
              ? `  ${name} (active on next deploy)`
              : `  ${name}`,
        );
      process.stdout.write(`=== ${app.name} Available Stacks\n\n${lines.join('\n')}\n`);
      return;
    }
    case 'pg:backups:schedules': {
      const app = appOf(state, appName);
      if (!(app.production?.addons ?? []).some((a) => a.addon_service.name === 'heroku-postgresql'))
        fail(` ›   Error: No Heroku Postgres legacy database on ${app.name}`, 1);
      const schedules = app.production?.backupSchedules ?? [];
      if (schedules.length === 0) {
        process.stderr.write(
          ` ›   Warning: No backup schedules found on ⬢ ${app.name}\n ›   Use heroku pg:backups:schedule to set one up\n`,
        );
        return;
      }
      process.stdout.write('=== Backup Schedules\n\n');
      for (const s of schedules)
        process.stdout.write(`${s.name}: daily at ${s.hour}:00 ${s.timezone}\n\n`);
      return;
    }
    default:
      fail(` ▸    ${command ?? ''} is not a heroku command.`, 127);
  }
}

/** post-receive: every pushed ref to main becomes a build, a slug and a pending release. */
function receive(appName: string, stateFile: string) {
  const state = load(stateFile);
  const app = appOf(state, appName);
  for (const line of readFileSync(0, 'utf8').split('\n')) {
    const [, sha, ref] = line.trim().split(' ');
    if (!sha || ref !== 'refs/heads/main') continue;
    const slugId = randomUUID();
    state.slugs[slugId] = sha;
    app.builds.push({
      app: { id: app.id, name: app.name },
      buildpacks: [{ url: 'heroku/nodejs', name: 'heroku/nodejs' }],
      created_at: stamp(),
      id: randomUUID(),
      output_stream_url: null,
      release: null,
      slug: { id: slugId },
      source_blob: { checksum: null, url: null, version: sha, version_description: null },
      stack: 'heroku-24',
      status: 'succeeded',
      updated_at: stamp(),
      user: { email: state.email, id: USER_ID },
    });
    addRelease(state, app, `Deploy ${sha.slice(0, 8)}`, slugId);
    process.stdout.write(`Verifying deploy... done.\n`);
  }
  writeFileSync(stateFile, JSON.stringify(state, null, 2));
}

if (import.meta.main) {
  const stateFile = process.env.FAKE_HEROKU_STATE ?? '';
  const argv = process.argv.slice(2);
  if (argv[0] === '__receive') receive(argv[1] ?? '', stateFile);
  else {
    appendFileSync(process.env.FAKE_HEROKU_LOG ?? '', `${JSON.stringify(argv)}\n`);
    heroku(argv, stateFile);
  }
}
