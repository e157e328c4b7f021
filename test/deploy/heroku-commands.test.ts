// Every heroku command and flag the deploy tool uses exists in the real Heroku CLI (v11), checked offline.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { createHeroku, HEROKU_COMMANDS, HerokuError } from '../../scripts/deploy/heroku.ts';

const run = promisify(execFile);

// Installed here rather than as a devDependency: it is about 400 MB in 420 packages, which every npm ci
// (and every attendee's step) would pay for one check. The first run installs it (a minute or two).
const HEROKU_CLI_VERSION = '11.10.0';
const CACHE = path.resolve(import.meta.dirname, '../../node_modules/.cache/heroku-cli');
const PACKAGE = path.join(CACHE, 'node_modules', 'heroku');

interface CommandInfo {
  id: string;
  aliases?: string[];
  args?: Record<string, unknown>;
  /** false for a command that takes any number of arguments (config:set NAME=value…). */
  strict?: boolean;
  flags: Record<string, { name: string; char?: string }>;
}

async function herokuCli(): Promise<string> {
  const manifest = path.join(PACKAGE, 'package.json');
  const installed = existsSync(manifest)
    ? (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version
    : undefined;
  if (installed !== HEROKU_CLI_VERSION)
    await run(
      'npm',
      [
        'install',
        '--prefix',
        CACHE,
        '--no-save',
        '--no-audit',
        '--no-fund',
        `heroku@${HEROKU_CLI_VERSION}`,
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
  return path.join(PACKAGE, 'bin', 'run.js');
}

test(
  'every heroku command and flag in HEROKU_COMMANDS exists in the real CLI',
  { timeout: 300_000 },
  async () => {
    const bin = await herokuCli();
    // A HOME of its own: no login, no plugins, no update checks of the machine's CLI.
    const home = mkdtempSync(path.join(tmpdir(), 'heroku-home-'));
    try {
      const { stdout } = await run(process.execPath, [bin, 'commands', '--json'], {
        env: {
          HOME: home,
          PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`,
        },
        maxBuffer: 64 * 1024 * 1024,
      });
      const commands = JSON.parse(stdout) as CommandInfo[];
      const problems: string[] = [];
      for (const [id, uses] of Object.entries(HEROKU_COMMANDS)) {
        const command = commands.find((c) => c.id === id || (c.aliases ?? []).includes(id));
        if (!command) {
          problems.push(`heroku ${id}: no such command`);
          continue;
        }
        const flags = Object.values(command.flags);
        for (const use of uses as readonly string[]) {
          const known = use.startsWith('--')
            ? flags.some((f) => f.name === use.slice(2))
            : use.startsWith('-')
              ? flags.some((f) => f.char === use.slice(1))
              : command.strict === false ||
                Object.keys(command.args ?? {}).includes(use.replace(/[<>]/g, ''));
          if (!known) problems.push(`heroku ${id}: no ${use}`);
        }
      }
      assert.deepEqual(problems, []);
      // The check can fail: the core CLI has no `builds` (it is a plugin), which the tool therefore avoids.
      assert.equal(
        commands.some((c) => c.id === 'builds'),
        false,
      );
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  },
);

test('the runner refuses a flag that HEROKU_COMMANDS does not list, before running anything', async () => {
  const heroku = createHeroku({ env: { PATH: '' }, cwd: process.cwd() });
  await assert.rejects(heroku.run('releases', ['-a', 'x', '--extended']), (err: Error) => {
    assert.ok(err instanceof HerokuError);
    assert.match(err.message, /--extended is not in HEROKU_COMMANDS/);
    return true;
  });
});
