// Every heroku command and flag the deploy tool uses exists in the real Heroku CLI (v11), checked offline.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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
  hiddenAliases?: string[];
  args?: Record<string, unknown>;
  /** false for a command that takes any number of arguments (config:set NAME=value…). */
  strict?: boolean;
  flags: Record<string, { name: string; char?: string; aliases?: string[] }>;
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

/** Every command of the real CLI, with its aliases, arguments and flags (`heroku commands --json`). */
async function realCommands(): Promise<CommandInfo[]> {
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
    return JSON.parse(stdout) as CommandInfo[];
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

test(
  'every heroku command and flag in HEROKU_COMMANDS exists in the real CLI',
  { timeout: 300_000 },
  async () => {
    const commands = await realCommands();
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

/** What in `heroku WORDS…` the real CLI does not have: the command, or a flag of it; `where` leads each line. */
function unknownUses(commands: CommandInfo[], where: string, words: readonly string[]): string[] {
  const [id, ...rest] = words;
  const command = commands.find(
    (c) => c.id === id || [...(c.aliases ?? []), ...(c.hiddenAliases ?? [])].includes(id!),
  );
  if (!command) return [`${where}: heroku ${id}: no such command`];
  const flags = Object.values(command.flags);
  const problems: string[] = [];
  for (const word of rest) {
    // After `--` the words are the add-on's or the command's own (addons:create … -- --fork).
    if (word === '--') break;
    if (!word.startsWith('-')) {
      // What `heroku run` runs has flags of its own.
      if (id === 'run' || id === 'run:detached') break;
      continue;
    }
    const name = word.split('=')[0]!;
    const known = name.startsWith('--')
      ? flags.some((f) => [f.name, ...(f.aliases ?? [])].includes(name.slice(2)))
      : name.length === 2 && flags.some((f) => f.char === name.slice(1));
    if (!known) problems.push(`${where}: heroku ${id}: no ${name}`);
  }
  return problems;
}

/** The `heroku …` commands in a fix of check:deploy, where ", then" joins two; $(…) is another command. */
function herokuCommandsIn(text: string): string[][] {
  const plain = text.replace(/\$\([^)]*\)/g, 'X');
  // `git push heroku main` names a remote, not the CLI.
  return [
    ...plain.matchAll(/(?:^|(?<=[\s(;&|]))(?<!git push )heroku ([a-z][a-z0-9:-]*[^\n|;&#),]*)/g),
  ].map((match) => [...match[1]!.matchAll(/'[^']*'|"[^"]*"|\S+/g)].map((m) => m[0]));
}

/** The `heroku …` commands that the guides, decks, runbook and READMEs show, with where each is. */
function documentedCommands(): Array<{ where: string; words: string[] }> {
  const root = path.resolve(import.meta.dirname, '../..');
  const folders = ['steps/guides', 'slides', 'docs'];
  const files = [
    'README.md',
    'steps/workshop/README.md',
    ...folders.flatMap((folder) =>
      readdirSync(path.join(root, folder))
        .filter((name) => name.endsWith('.md'))
        .map((name) => `${folder}/${name}`),
    ),
  ];
  const found: Array<{ where: string; words: string[] }> = [];
  for (const file of files) {
    // Shell blocks, and inline code outside blocks; never ```text, which holds output ("heroku[web.1]: …").
    let fence: string | undefined;
    readFileSync(path.join(root, file), 'utf8')
      .split('\n')
      .forEach((line, index) => {
        const opening = /^\s*```(\w*)\s*$/.exec(line);
        if (opening) {
          fence = fence === undefined ? opening[1] : undefined;
          return;
        }
        const snippets =
          fence === undefined
            ? [...line.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)
            : ['', 'sh', 'bash'].includes(fence)
              ? [line]
              : [];
        for (const snippet of snippets) {
          // `git push heroku main` names a remote, not the CLI; $(…) is another command.
          const plain = snippet.replace(/\$\([^)]*\)/g, 'X');
          for (const match of plain.matchAll(
            /(?:^|(?<=[\s(;&|]))heroku ([a-z][a-z0-9:-]*[^\n|;&#)]*)/g,
          )) {
            if (/\bgit (push|remote)\b[^;&|]*$/.test(plain.slice(0, match.index))) continue;
            // A quoted value is one word.
            const words = [...match[1]!.matchAll(/'[^']*'|"[^"]*"|\S+/g)].map((m) => m[0]);
            found.push({ where: `${file}:${index + 1}`, words });
          }
        }
      });
  }
  return found;
}

test(
  'every heroku command and flag that a guide, deck or the runbook shows exists in the real CLI',
  { timeout: 300_000 },
  async () => {
    const commands = await realCommands();
    const documented = documentedCommands();
    const problems = documented.flatMap(({ where, words }) => unknownUses(commands, where, words));
    assert.deepEqual(problems, []);
    assert.ok(documented.length > 50, `${documented.length} commands found in the documents`);
  },
);

test(
  'every heroku command and flag that check:deploy gives as a fix exists in the real CLI',
  { timeout: 300_000 },
  async () => {
    const { byId, demo, fixture } = await import('../check-deploy/support.ts');
    const commands = await realCommands();
    const fixes = new Set<string>();
    for (const name of ['warn', 'fail'] as const) {
      const checks = byId(await demo(fixture(name)).check(['--app', 'demo', '--json']));
      for (const check of Object.values(checks)) if (check.fix !== null) fixes.add(check.fix);
    }
    const used = [...fixes].flatMap((fix) =>
      herokuCommandsIn(fix).map((words) => ({ fix, words })),
    );
    const problems = used.flatMap(({ fix, words }) => unknownUses(commands, fix, words));
    assert.deepEqual(problems, []);
    // The warn and fail fixtures between them reach a fix of every live check.
    assert.ok(used.length >= 20, `${used.length} commands found in the fixes`);
  },
);
