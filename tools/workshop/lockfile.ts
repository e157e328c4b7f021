// Derives a step's package-lock.json from the source's: npm drops what the step does not use and keeps
// every shared version, which is then checked package by package.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

interface LockPackage {
  version?: string;
}

interface Lockfile {
  packages?: Record<string, LockPackage>;
}

export class LockfileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LockfileError';
  }
}

export async function deriveLockfile(
  packageJson: string,
  sourceLock: string,
  cacheDir?: string,
): Promise<string> {
  const key = createHash('sha256')
    .update(packageJson)
    .update('\0')
    .update(sourceLock)
    .digest('hex');
  const cached = cacheDir ? path.join(cacheDir, `${key}.json`) : undefined;
  if (cached) {
    const hit = await readFile(cached, 'utf8').catch(() => undefined);
    if (hit !== undefined) return hit;
  }

  const dir = await mkdtemp(path.join(tmpdir(), 'step-lock-'));
  try {
    await writeFile(path.join(dir, 'package.json'), packageJson);
    await writeFile(path.join(dir, 'package-lock.json'), sourceLock);
    // Lockfiles name no download host: npm resolves from whatever registry the user has configured.
    await writeFile(path.join(dir, '.npmrc'), 'omit-lockfile-registry-resolved=true\n');
    try {
      await run(
        'npm',
        [
          'install',
          '--package-lock-only',
          '--ignore-scripts',
          '--no-audit',
          '--no-fund',
          '--loglevel=error',
        ],
        { cwd: dir, maxBuffer: 64 << 20 },
      );
    } catch (err) {
      const detail = (err as { stderr?: string }).stderr ?? String(err);
      throw new LockfileError(`npm could not derive a lockfile for this package.json:\n${detail}`);
    }
    const derived = await readFile(path.join(dir, 'package-lock.json'), 'utf8');
    assertSameVersions(JSON.parse(sourceLock) as Lockfile, JSON.parse(derived) as Lockfile);
    if (cached) {
      await mkdir(path.dirname(cached), { recursive: true });
      await writeFile(cached, derived);
    }
    return derived;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function assertSameVersions(source: Lockfile, derived: Lockfile): void {
  // By name and version, not by path: a package may sit elsewhere in the tree once others are gone.
  const nameOf = (location: string) => location.slice(location.lastIndexOf('node_modules/') + 13);
  const known = new Set(
    Object.entries(source.packages ?? {}).map(
      ([location, pkg]) => `${nameOf(location)}@${pkg.version}`,
    ),
  );
  const changed: string[] = [];
  for (const [location, pkg] of Object.entries(derived.packages ?? {})) {
    if (location === '') continue;
    if (!known.has(`${nameOf(location)}@${pkg.version}`)) {
      changed.push(`${nameOf(location)}@${pkg.version} is not in the source lockfile`);
    }
  }
  if (changed.length > 0) {
    throw new LockfileError(
      `the step's lockfile would differ from the source's:\n  ${changed.join('\n  ')}\n` +
        'Run `npm install` in the source so its package-lock.json is up to date, then commit it.',
    );
  }
}
