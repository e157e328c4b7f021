// The deploy tool's heroku runner, seen as the ops commands' HerokuCli.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { herokuCliOf } from '../../scripts/ops/heroku-cli.ts';

test('json and run hand the runner the command apart from its arguments, without a second --json', async () => {
  const seen: string[] = [];
  const lines: string[] = [];
  const cli = herokuCliOf<'config' | 'ps:scale'>(
    {
      json: (command, args) => {
        seen.push(`json ${command} ${args.join(' ')}`);
        return Promise.resolve({ APP_ENV: 'staging' });
      },
      stream: (command, args, onLine) => {
        seen.push(`stream ${command} ${args.join(' ')}`);
        onLine('Scaling dynos... done');
        return Promise.resolve();
      },
    },
    (line) => lines.push(line),
  );
  assert.deepEqual(await cli.json(['config', '--json', '-a', 'ck-staging']), {
    APP_ENV: 'staging',
  });
  await cli.run(['ps:scale', 'worker=0', '-a', 'ck-staging']);
  assert.deepEqual(seen, ['json config -a ck-staging', 'stream ps:scale worker=0 -a ck-staging']);
  assert.deepEqual(lines, ['Scaling dynos... done']);
});
