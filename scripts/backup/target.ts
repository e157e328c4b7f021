// Where DATABASE_URL points, as libpq's tools (pg_dump, pg_restore) and pg's client each need it.
import type { ClientConfig } from 'pg';

export interface Target {
  host: string;
  port: number;
  database: string;
  user: string | undefined;
  password: string | undefined;
  /** The sslmode the URL asks for, if any. */
  sslmode: string | undefined;
  /** On this machine: localhost, 127.0.0.0/8 or ::1. */
  local: boolean;
  /** host:port/database, for messages (never the password). */
  where: string;
}

const LOCAL = /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i;

export function targetOf(url: string): Target {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(parsed.port || 5432);
  const database = decodeURIComponent(parsed.pathname.slice(1)) || 'postgres';
  return {
    host,
    port,
    database,
    user: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    sslmode: parsed.searchParams.get('sslmode') ?? undefined,
    local: LOCAL.test(host),
    where: `${parsed.hostname}:${port}/${database}`,
  };
}

/**
 * The libpq side: the URL to pass as --dbname, with no password (a command line is visible to every user
 * of the machine) and no sslmode, and the environment that carries both instead.
 */
export function libpqOf(url: string): { dbname: string; env: Record<string, string> } {
  const target = targetOf(url);
  const parsed = new URL(url);
  parsed.password = '';
  parsed.searchParams.delete('sslmode');
  const env: Record<string, string> = { PGCONNECT_TIMEOUT: '10' };
  if (target.password !== undefined) env.PGPASSWORD = target.password;
  const sslmode = libpqSslmode(target);
  if (sslmode !== undefined) env.PGSSLMODE = sslmode;
  return { dbname: parsed.toString(), env };
}

/**
 * Heroku Postgres takes TLS only, with a certificate from its own authority: libpq's `require` encrypts
 * without verifying, which is what it needs. `no-verify` is node-postgres's word for the same (the
 * README's advice for the app), which libpq does not know. A local server keeps libpq's default.
 */
function libpqSslmode(target: Target): string | undefined {
  if (target.sslmode === 'no-verify') return 'require';
  if (target.sslmode !== undefined) return target.sslmode;
  return target.local ? undefined : 'require';
}

/** The pg client's settings for the same database, with the same TLS rule. */
export function clientConfigOf(url: string): ClientConfig {
  const target = targetOf(url);
  const sslmode = libpqSslmode(target);
  const verify = sslmode === 'verify-ca' || sslmode === 'verify-full';
  const encrypt = sslmode === 'require' || (!target.local && sslmode !== 'disable');
  return {
    host: target.host,
    port: target.port,
    database: target.database,
    ...(target.user !== undefined ? { user: target.user } : {}),
    ...(target.password !== undefined ? { password: target.password } : {}),
    ssl: verify ? true : encrypt ? { rejectUnauthorized: false } : false,
    connectionTimeoutMillis: 10_000,
  };
}
