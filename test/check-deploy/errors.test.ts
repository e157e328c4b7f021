// check:deploy's own errors: a wrong command line (exit 2), and a heroku CLI that is missing, not logged in,
// or failing (exit 3); each says what to do next, and --json still prints one object.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { demo, fixture, ROOT } from './support.ts';

const run = promisify(execFile);

for (const argv of [['--bogus'], ['--app'], ['--app', 'Not_An_App'], ['stray']]) {
  test(`a usage error (${argv.join(' ')}) exits 2 with the usage, and asks Heroku nothing`, async () => {
    const result = await demo(fixture('good')).check(argv);
    assert.equal(result.code, 2);
    assert.match(result.err, /usage: npm run check:deploy \[-- --app NAME\] \[--json\]/);
    assert.equal(result.out, '');
    assert.deepEqual(result.calls, []);
  });
}

test('--help prints the usage and the exit codes on stdout, exit 0', async () => {
  const result = await demo(fixture('good')).check(['--help']);
  assert.equal(result.code, 0);
  assert.match(
    result.out,
    /Exit codes: 0 no check failed, 1 a check failed, 2 usage error, 3 the heroku CLI/,
  );
});

test('no heroku on PATH: exit 3, saying how to install it; --json says the same as one object', async () => {
  const world = demo(fixture('good'));
  const env = { ...world.env, PATH: path.dirname(process.execPath) };
  const result = await world.check(['--app', 'demo'], { env });
  assert.equal(result.code, 3);
  assert.match(
    result.err,
    /✗ could not ask Heroku about demo: the Heroku CLI is not installed \(no heroku on PATH\): install it \(npm install --global heroku\), then run heroku login/,
  );
  const json = await world.check(['--app', 'demo', '--json'], { env });
  assert.equal(json.code, 3);
  assert.deepEqual(Object.keys(JSON.parse(json.out) as object).sort(), [
    'app',
    'error',
    'exitCode',
  ]);
});

test('a CLI that is not logged in (auth:whoami exits 100): exit 3, run heroku login; nothing else is asked', async () => {
  const result = await demo(fixture('good'), { loggedIn: false }).check(['--app', 'demo']);
  assert.equal(result.code, 3);
  assert.match(
    result.err,
    /the Heroku CLI is not logged in: run heroku login, then run this again/,
  );
  assert.deepEqual(result.calls, [['auth:whoami']]);
  assert.equal(result.out, '');
});

test('an app the account cannot see: exit 3 with what the CLI said', async () => {
  const result = await demo(fixture('good')).check(['--app', 'someone-elses']);
  assert.equal(result.code, 3);
  assert.match(
    result.err,
    // Whichever of the reads run side by side comes back first says so.
    /heroku [a-z:]+ (--json )?-a someone-elses failed \(exit 1\):\n.*Couldn't find that app\.\nnext: check the name \(heroku apps lists/,
  );
});

test('a shape the check does not know is said as such, with the command that printed it', async () => {
  const app = fixture('good');
  app.features = [{ name: 'preboot', state: 'general', enabled: 'yes' }];
  const result = await demo(app).check(['--app', 'demo']);
  assert.equal(result.code, 3);
  assert.match(
    result.err,
    /heroku features --json -a demo printed a shape this check does not know \(0\.enabled: .*\): update the CLI \(heroku update\)/,
  );
});

test(
  'the npm script runs in a process of its own: the fail fixture exits 1, the good one 0',
  { timeout: 120_000 },
  async () => {
    const script = path.join(ROOT, 'scripts', 'check-deploy.ts');
    const good = demo(fixture('good'));
    const { stdout } = await run(process.execPath, [script, '--app', 'demo'], {
      cwd: ROOT,
      env: good.env,
    });
    assert.match(stdout, /22 pass, 0 warn, 0 fail: ready for production/);
    const failing = demo(fixture('fail'));
    await assert.rejects(
      run(process.execPath, [script, '--app', 'demo'], { cwd: ROOT, env: failing.env }),
      (err: { code: number; stdout: string }) => {
        assert.equal(err.code, 1);
        assert.match(err.stdout, /18 fail: not ready for production/);
        return true;
      },
    );
  },
);
