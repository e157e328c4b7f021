// The decisions db:backup and db:restore make before they run anything: the tool's version against the
// server's, which targets count as production, how libpq is told about TLS, and the typed confirmation.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { confirmDatabase } from '../../scripts/backup/confirm.ts';
import { serverMajorOf, toolProblem, toolVersionOf } from '../../scripts/backup/pg-tools.ts';
import { archiveFacts, productionReason } from '../../scripts/backup/restore.ts';
import { clientConfigOf, libpqOf, targetOf } from '../../scripts/backup/target.ts';

const server = (major: number) => ({ major, because: 'the server at db.example:5432' });

describe('whether the installed pg_dump can back up the server', () => {
  test('reads the version as Debian, Homebrew and a beta print it', () => {
    assert.deepEqual(toolVersionOf('pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n'), {
      major: 15,
      version: '15.20',
    });
    assert.deepEqual(toolVersionOf('pg_dump (PostgreSQL) 17.2 (Homebrew)'), {
      major: 17,
      version: '17.2',
    });
    assert.equal(toolVersionOf('pg_dump (PostgreSQL) 18beta1')?.major, 18);
    assert.equal(serverMajorOf(170002), 17);
    assert.equal(serverMajorOf(150020), 15);
  });

  test('a client as new as the server, or newer, is fine', () => {
    for (const output of ['pg_dump (PostgreSQL) 17.0', 'pg_dump (PostgreSQL) 18.1']) {
      assert.equal(
        toolProblem({ tool: 'pg_dump', versionOutput: output, needs: server(17) }),
        undefined,
      );
    }
  });

  test('a client older than the server names both versions and the package of the server major to install', () => {
    const problem = toolProblem({
      tool: 'pg_dump',
      versionOutput: 'pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)',
      needs: server(17),
    });
    assert.match(
      problem ?? '',
      /^pg_dump 15\.20 is older than the server at db\.example:5432 \(17\)/,
    );
    assert.match(problem ?? '', /server version mismatch/);
    assert.match(problem ?? '', /apt-get install postgresql-client-17/);
    assert.match(problem ?? '', /Postgres\.app with version 17/);
    assert.match(problem ?? '', /brew install libpq/);
  });

  test('a missing tool says it is not installed and how to install the server major', () => {
    const problem = toolProblem({
      tool: 'pg_restore',
      versionOutput: undefined,
      needs: server(16),
    });
    assert.match(problem ?? '', /^pg_restore is not installed \(or not on your PATH\)/);
    assert.match(problem ?? '', /postgresql-client-16/);
  });

  test('against the PGlite stand-in, it says the stand-in needs its own version or a real server', () => {
    const problem = toolProblem({
      tool: 'pg_dump',
      versionOutput: 'pg_dump (PostgreSQL) 15.20',
      needs: server(18),
      serverVersion: 'PostgreSQL 18.6 (PGlite 0.5.14) on wasm32-unknown-emscripten',
    });
    assert.match(problem ?? '', /postgresql-client-18/);
    assert.match(
      problem ?? '',
      /local stand-in is PGlite.*set DATABASE_URL to a Postgres server of your own/,
    );
  });

  test('an answer that names no version is reported as such', () => {
    const problem = toolProblem({
      tool: 'pg_dump',
      versionOutput: 'Segmentation fault',
      needs: server(16),
    });
    assert.match(problem ?? '', /could not read pg_dump's version from "Segmentation fault"/);
  });
});

describe('which restore targets count as production', () => {
  test('NODE_ENV or APP_ENV production, or any host but this machine', () => {
    const local = targetOf('postgres://postgres@127.0.0.1:5432/campaign');
    assert.equal(productionReason(undefined, local), undefined);
    assert.equal(
      productionReason(undefined, targetOf('postgres://u@localhost/campaign')),
      undefined,
    );
    assert.equal(
      productionReason(undefined, targetOf('postgres://u@[::1]:5433/campaign')),
      undefined,
    );
    assert.match(productionReason('APP_ENV=production', local) ?? '', /APP_ENV=production/);
    assert.match(
      productionReason(
        undefined,
        targetOf('postgres://u:p@ec2-1-2-3-4.compute-1.amazonaws.com:5432/d8x'),
      ) ?? '',
      /its host ec2-1-2-3-4\.compute-1\.amazonaws\.com is not this machine/,
    );
    // A container's name or a LAN address may well be shared or live: it is asked about too.
    assert.ok(productionReason(undefined, targetOf('postgres://u@db:5432/campaign')));
    assert.ok(productionReason(undefined, targetOf('postgres://u@192.168.1.20/campaign')));
  });
});

describe('how the tools are told where and how to connect', () => {
  test('a remote URL gets PGSSLMODE=require, and its password leaves the command line for PGPASSWORD', () => {
    const { dbname, env } = libpqOf(
      'postgres://u:s%40cret@ec2-1-2-3-4.compute-1.amazonaws.com:5432/d8x',
    );
    assert.equal(dbname, 'postgres://u@ec2-1-2-3-4.compute-1.amazonaws.com:5432/d8x');
    assert.equal(env.PGPASSWORD, 's@cret');
    assert.equal(env.PGSSLMODE, 'require');
    assert.deepEqual(clientConfigOf('postgres://u:p@ec2-1-2-3-4.compute-1.amazonaws.com/d8x').ssl, {
      rejectUnauthorized: false,
    });
  });

  test("the URL's sslmode wins, and node-postgres's no-verify becomes libpq's require", () => {
    assert.equal(libpqOf('postgres://u@db.example/d?sslmode=no-verify').env.PGSSLMODE, 'require');
    assert.equal(libpqOf('postgres://u@db.example/d?sslmode=disable').env.PGSSLMODE, 'disable');
    assert.equal(clientConfigOf('postgres://u@db.example/d?sslmode=disable').ssl, false);
    assert.equal(
      libpqOf('postgres://u@db.example/d?sslmode=verify-full').env.PGSSLMODE,
      'verify-full',
    );
    assert.equal(clientConfigOf('postgres://u@db.example/d?sslmode=verify-full').ssl, true);
    assert.doesNotMatch(libpqOf('postgres://u@db.example/d?sslmode=no-verify').dbname, /sslmode/);
  });

  test('a local URL keeps libpq and pg defaults: no TLS asked for', () => {
    assert.equal(libpqOf('postgres://postgres@127.0.0.1:5432/campaign').env.PGSSLMODE, undefined);
    assert.equal(clientConfigOf('postgres://postgres@127.0.0.1:5432/campaign').ssl, false);
  });
});

describe('what pg_restore --list tells of a file', () => {
  test('the pg_dump version that wrote it and its tables with rows', () => {
    const list = [
      ';     Dumped from database version: 16.4',
      ';     Dumped by pg_dump version: 17.2 (Homebrew)',
      '224; 1259 16797 TABLE public users postgres',
      '3400; 0 16797 TABLE DATA public users postgres',
      '3401; 0 16754 TABLE DATA public email_outbox postgres',
      '3425; 0 0 SEQUENCE SET public users_id_seq postgres',
    ].join('\n');
    assert.deepEqual(archiveFacts(list), { dumpedByMajor: 17, tables: 2 });
  });
});

describe('the typed confirmation', () => {
  const answer = (text: string) => ({ stream: Readable.from([text]), isTTY: true });

  test('goes on once the name is typed exactly', async () => {
    let asked = '';
    const refused = await confirmDatabase(
      answer('d8x\n'),
      (t) => (asked += t),
      'd8x',
      'restore b.dump into it',
    );
    assert.equal(refused, undefined);
    assert.equal(asked, "Type the database's name (d8x) to restore b.dump into it: ");
  });

  test('stops on another name, and without a terminal never reads', async () => {
    assert.match(
      (await confirmDatabase(answer('yes\n'), () => {}, 'd8x', 'x')) ?? '',
      /"yes" is not d8x/,
    );
    const noTerminal = { stream: Readable.from(['d8x\n']), isTTY: false };
    assert.match((await confirmDatabase(noTerminal, () => {}, 'd8x', 'x')) ?? '', /add --yes/);
  });
});
