// What a job shows while it runs: on a terminal, done out of total, the rate and the time left, redrawn
// at most a few times a second; elsewhere nothing on the terminal and a log line a minute at most.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { createProgress, formatDuration } from '../../src/platform/progress.ts';

function stream(isTTY: boolean) {
  const written: string[] = [];
  const sink = Object.assign(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        written.push(chunk.toString());
        done();
      },
    }),
    { isTTY },
  );
  return { sink, written };
}

test('on a terminal: done of total, percent, rate and time left, redrawn in place', () => {
  const { sink, written } = stream(true);
  let now = 0;
  const progress = createProgress({ label: 'digest', stream: sink, clock: () => now });
  progress.setTotal(100_000);
  now = 2000;
  progress.advance(10_000);
  assert.equal(
    written.at(-1),
    '\r\x1b[2Kdigest: 10,000 of 100,000 (10%), 5,000 a second, about 18 s left',
  );
  const drawn = written.length;
  now = 2100;
  progress.advance(1000);
  assert.equal(written.length, drawn, 'not redrawn within 250 ms');
  now = 20_000;
  progress.advance(89_000);
  progress.clear();
  assert.equal(written.at(-1), '\r\x1b[2K', 'wiped for a log line');
  progress.finish();
  assert.match(written.at(-2)!, /100,000 of 100,000 \(100%\)/);
  assert.equal(written.at(-1), '\n');
  progress.advance(5);
  assert.equal(written.at(-1), '\n', 'nothing after finish');
});

test('not on a terminal: nothing drawn, and a progress log line a minute at most', () => {
  const { sink, written } = stream(false);
  const logs: string[] = [];
  const logger = pino(
    { base: null, timestamp: false },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(chunk.toString());
        done();
      },
    }),
  );
  let now = 0;
  const progress = createProgress({ label: 'digest', stream: sink, logger, clock: () => now });
  progress.setTotal(1000);
  for (let t = 1; t <= 150; t++) {
    now = t * 1000;
    progress.advance(5);
  }
  progress.finish();
  assert.deepEqual(written, []);
  assert.equal(logs.length, 2, logs.join(''));
  const first = JSON.parse(logs[0]!) as Record<string, unknown>;
  assert.equal(first.done, 300);
  assert.equal(first.total, 1000);
  assert.equal(first.rate, 5);
});

test('durations read as people say them', () => {
  assert.equal(formatDuration(42.4), '42 s');
  assert.equal(formatDuration(200), '3 min 20 s');
  assert.equal(formatDuration(7500), '2 h 5 min');
});
