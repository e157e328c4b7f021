// Asks the database, before any tool runs, whether it answers, which version it is and how many tables it has.
import pg from 'pg';
import { messageOf } from '../../src/platform/errors.ts';
import { clientConfigOf, targetOf } from './target.ts';

export interface ServerFacts {
  /** server_version_num: 150020 for 15.20. */
  versionNum: number;
  /** version(): the full text, which names PGlite for the stand-in. */
  version: string;
  /** The tables whose rows pg_dump writes: ordinary tables outside the system schemas and extensions. */
  tables: number;
}

/** Thrown with a message that is the whole story, fix included. */
export class CommandError extends Error {}

const TABLES = `
  select count(*)::int as n
  from pg_class c join pg_namespace ns on ns.oid = c.relnamespace
  where c.relkind = 'r'
    and ns.nspname not in ('pg_catalog', 'information_schema')
    and ns.nspname !~ '^pg_(toast|temp)'
    and not exists (
      select 1 from pg_depend d
      where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e'
    )`;

export async function probe(url: string): Promise<ServerFacts> {
  const { host, port } = targetOf(url);
  const client = new pg.Client(clientConfigOf(url));
  // A connection that drops later surfaces through the query that was waiting on it.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    throw new CommandError(
      `could not reach the database at ${host}:${port}: ${reasonOf(err)}; check DATABASE_URL`,
    );
  }
  try {
    const facts = await client.query<{ num: string; version: string }>(
      "select current_setting('server_version_num') as num, version() as version",
    );
    const tables = await client.query<{ n: number }>(TABLES);
    return {
      versionNum: Number(facts.rows[0]?.num),
      version: facts.rows[0]?.version ?? '',
      tables: tables.rows[0]?.n ?? 0,
    };
  } finally {
    await client.end().catch(() => {});
  }
}

function reasonOf(err: unknown): string {
  const message = messageOf(err);
  const code = (err as { code?: unknown }).code;
  if (code === '28P01' || code === '28000') {
    // Heroku's own answer to a client that did not ask for TLS.
    if (/SSL|encryption/i.test(message)) {
      return `${message} (the server takes TLS only: add ?sslmode=require to the URL)`;
    }
    return `${message} (the user or password is wrong)`;
  }
  return message;
}
