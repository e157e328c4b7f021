// The state file that lets launchers share one local server per data folder: two claims at once.
import assert from 'node:assert/strict';
import fs, { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { useSharedServer, type Server, type SharedServer } from '../scripts/dev/shared-server.ts';

let dataDir = '';

before(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'dev-shared-'));
});

after(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

test('two launchers that find the same stale state file at once: exactly one starts the server', async () => {
  const stateFile = path.join(dataDir, 'postgres.json');
  writeFileSync(stateFile, 'left by a launcher that crashed');
  let starts = 0;
  /** A TCP server that accepts connections, as the postgres stand-in's does. */
  const start = async (): Promise<Server> => {
    starts += 1;
    const tcp = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const { port } = tcp.address() as { port: number };
    return {
      url: `tcp://127.0.0.1:${port}`,
      port,
      stop: () => new Promise<void>((resolve) => tcp.close(() => resolve())),
    };
  };
  // The second launcher comes in at the worst instant: just as the first removes the stale file.
  const { unlinkSync } = fs;
  let second: Promise<SharedServer> | undefined;
  let cameIn = false;
  fs.unlinkSync = (file) => {
    if (!cameIn && file === stateFile) {
      cameIn = true;
      second = useSharedServer({ stateFile, start });
    }
    unlinkSync(file);
  };
  syncBuiltinESMExports();
  let first: SharedServer;
  try {
    first = await useSharedServer({ stateFile, start });
  } finally {
    fs.unlinkSync = unlinkSync;
    syncBuiltinESMExports();
  }
  assert.ok(second, 'the second launcher came in');
  const other = await second;
  try {
    assert.equal(starts, 1, 'one server started');
    assert.deepEqual(
      [first.startedHere, other.startedHere].sort(),
      [false, true],
      'one launcher started it, the other reuses it',
    );
    assert.equal(other.url, first.url);
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { url: string };
    assert.equal(state.url, first.url);
  } finally {
    await other.stop();
    await first.stop();
  }
});
