// Local stand-ins for the Heroku add-ons a step's app.json asks for, shaped like Heroku's, so the
// pruned-slug check runs the release phase and every process against real services as on Heroku:
// Postgres over TLS only, with a user and password in the URL; SMTP with STARTTLS and a login; a
// bucket over HTTPS that checks each upload's signed policy; Redis over TLS only, with a password.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import knex from 'knex';
import {
  type LocalS3,
  type SmtpSink,
  startLocalRedis,
  startLocalS3,
  startPgliteServer,
  startSmtpSink,
} from '../../scripts/dev/index.ts';
import { startTlsPostgresProxy, startTlsProxy, type Certificate } from './tls.ts';

export interface AddonSpec {
  plan: string;
}

export interface ProvidedAddons {
  env: Record<string, string>;
  describe: string[];
  /** The mail provider's stand-in, when there is one: what the worker delivers lands in its inbox. */
  mailbox?: SmtpSink;
  /** The bucket's stand-in, when there is one: where the browser's upload goes, over plain HTTP. */
  bucket?: LocalS3;
  release(): Promise<void>;
}

/**
 * Postgres: a fresh database and role on the server at TEST_DATABASE_URL when it is set (a real
 * Postgres, as CI has), otherwise an in-memory PGlite; either way behind a proxy that speaks TLS only,
 * with a certificate of no public authority, as Heroku Postgres does. Mailgun: the add-on's four
 * variables, for an SMTP server that wants STARTTLS and a login.
 */
export async function provideAddons(
  addons: readonly (string | AddonSpec)[],
  env: NodeJS.ProcessEnv,
  certificate: Certificate,
): Promise<ProvidedAddons> {
  const provided: ProvidedAddons = { env: {}, describe: [], release: async () => {} };
  const plans = addons.map((addon) => (typeof addon === 'string' ? addon : addon.plan));
  const releases: Array<() => Promise<void>> = [];
  try {
    for (const plan of plans) {
      const service = plan.split(':')[0];
      if (service === 'heroku-postgresql') {
        const password = randomBytes(12).toString('hex');
        const admin = env.TEST_DATABASE_URL;
        let upstream: URL;
        let user = 'postgres';
        if (admin) {
          const name = `verify_${randomBytes(5).toString('hex')}`;
          user = name;
          const db = knex({ client: 'pg', connection: admin, pool: { min: 0, max: 1 } });
          await db.raw(`create role ${name} login password '${password}'`);
          await db.raw(`create database ${name} owner ${name}`);
          upstream = new URL(admin);
          upstream.pathname = `/${name}`;
          provided.describe.push(`${plan} → a fresh database and role ${name} on ${upstream.host}`);
          releases.push(async () => {
            await db.raw(`drop database if exists ${name} with (force)`);
            await db.raw(`drop role if exists ${name}`);
            await db.destroy();
          });
        } else {
          const server = await startPgliteServer();
          upstream = new URL(server.url);
          provided.describe.push(
            `${plan} → an in-memory PGlite (set TEST_DATABASE_URL for a real Postgres)`,
          );
          releases.push(() => server.stop());
        }
        const proxy = await startTlsPostgresProxy(
          { host: upstream.hostname, port: Number(upstream.port || 5432) },
          certificate,
        );
        releases.push(() => proxy.close());
        provided.env.DATABASE_URL = `postgres://${user}:${password}@127.0.0.1:${proxy.port}${upstream.pathname}`;
        provided.describe.push(`${plan} → reached over TLS only, as DATABASE_URL with a password`);
      } else if (service === 'mailgun') {
        // The add-on's own variables, not SMTP_URL, so the slug proves the app reads them.
        // Its web inbox too: a step's smoke check reads what arrived over HTTP.
        const sink = await startSmtpSink({
          tls: { key: certificate.key, cert: certificate.cert },
          inboxPort: 0,
        });
        provided.mailbox = sink;
        Object.assign(provided.env, {
          MAILGUN_SMTP_SERVER: '127.0.0.1',
          MAILGUN_SMTP_PORT: String(sink.port),
          MAILGUN_SMTP_LOGIN: 'postmaster@verify.example',
          MAILGUN_SMTP_PASSWORD: randomBytes(12).toString('hex'),
        });
        provided.describe.push(
          `${plan} → a local SMTP server with STARTTLS and a login, as MAILGUN_SMTP_* variables`,
        );
        releases.push(() => sink.stop());
      } else if (service === 'bucketeer') {
        // A real bucket's address is public HTTPS; this one's certificate is trusted like the others.
        const directory = await mkdtemp(path.join(tmpdir(), 'verify-s3-'));
        const s3 = await startLocalS3({ directory, allowedOrigins: [] });
        const https = await startTlsProxy({ host: '127.0.0.1', port: s3.port }, certificate);
        provided.bucket = s3;
        releases.push(async () => {
          await s3.stop();
          await rm(directory, { recursive: true, force: true });
        });
        releases.push(() => https.close());
        // The add-on's own variables, so the slug proves the app reads them; S3_ENDPOINT is the one
        // addition a real Bucketeer bucket does not need.
        Object.assign(provided.env, {
          BUCKETEER_BUCKET_NAME: s3.bucket,
          BUCKETEER_AWS_REGION: s3.region,
          BUCKETEER_AWS_ACCESS_KEY_ID: s3.accessKeyId,
          BUCKETEER_AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
          S3_ENDPOINT: `https://127.0.0.1:${https.port}`,
        });
        provided.describe.push(
          `${plan} → a local S3 server over HTTPS that checks each upload's policy, as BUCKETEER_* variables`,
        );
      } else if (service === 'heroku-redis') {
        // Every Key-Value Store plan: TLS only, a certificate of its own, a password in the URL.
        const redis = await startLocalRedis({
          tls: { key: certificate.key, cert: certificate.cert },
          password: randomBytes(12).toString('hex'),
        });
        releases.push(() => redis.stop());
        provided.env.REDIS_URL = redis.url;
        provided.describe.push(
          `${plan} → redis-server ${redis.version} over TLS only, with a password, as REDIS_URL (rediss://)`,
        );
      } else if (service === 'scheduler') {
        // Scheduler sets no config var and runs nothing the slug check could wait for: its jobs are
        // set in the dashboard. The step's smoke check runs a job as a one-off dyno would instead.
        provided.describe.push(
          `${plan} → nothing to stand in for: it starts one-off dynos on a schedule`,
        );
      } else if (service === 'papertrail') {
        // A log add-on reads what every dyno writes to stdout through a drain the platform adds: the
        // slug check already reads the same lines. Its one config var is an API token for its search.
        provided.describe.push(`${plan} → nothing to stand in for: it reads the dynos' stdout`);
      } else {
        throw new Error(
          `app.json asks for the add-on "${plan}", which verify cannot stand in for yet: add it to tools/workshop/addons.ts`,
        );
      }
    }
  } catch (err) {
    for (const release of releases.reverse()) await release();
    throw err;
  }
  provided.release = async () => {
    for (const release of releases.reverse()) await release();
  };
  return provided;
}
