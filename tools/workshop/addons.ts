// Local stand-ins for the Heroku add-ons a step's app.json asks for, so the pruned-slug check runs the
// release phase and the web process against real services, as on Heroku.
import { randomBytes } from 'node:crypto';
import knex from 'knex';
import { startPgliteServer } from '../../scripts/dev/pglite.ts';
import { startSmtpSink } from '../../scripts/dev/smtp-sink.ts';

export interface AddonSpec {
  plan: string;
}

export interface ProvidedAddons {
  env: Record<string, string>;
  describe: string[];
  release(): Promise<void>;
}

/**
 * Postgres: a fresh database on the server at TEST_DATABASE_URL when it is set (a real Postgres, as CI
 * has), otherwise an in-memory PGlite. `sslmode=disable` because the local server has no TLS while the
 * app runs with NODE_ENV=production, which would otherwise ask for it.
 */
export async function provideAddons(
  addons: readonly (string | AddonSpec)[],
  env: NodeJS.ProcessEnv,
): Promise<ProvidedAddons> {
  const provided: ProvidedAddons = { env: {}, describe: [], release: async () => {} };
  const plans = addons.map((addon) => (typeof addon === 'string' ? addon : addon.plan));
  const releases: Array<() => Promise<void>> = [];
  for (const plan of plans) {
    const service = plan.split(':')[0];
    if (service === 'heroku-postgresql') {
      const admin = env.TEST_DATABASE_URL;
      if (admin) {
        const name = `verify_${randomBytes(5).toString('hex')}`;
        const db = knex({ client: 'pg', connection: admin, pool: { min: 0, max: 1 } });
        await db.raw(`create database ${name}`);
        const url = new URL(admin);
        url.pathname = `/${name}`;
        url.searchParams.set('sslmode', 'disable');
        provided.env.DATABASE_URL = url.toString();
        provided.describe.push(`${plan} → a fresh database ${name} on ${url.host}`);
        releases.push(async () => {
          await db.raw(`drop database if exists ${name} with (force)`);
          await db.destroy();
        });
      } else {
        const server = await startPgliteServer();
        provided.env.DATABASE_URL = `${server.url}?sslmode=disable`;
        provided.describe.push(
          `${plan} → an in-memory PGlite (set TEST_DATABASE_URL for a real Postgres)`,
        );
        releases.push(() => server.stop());
      }
    } else if (service === 'mailgun') {
      // The add-on's own variables, not SMTP_URL, so the slug proves the app reads them.
      const sink = await startSmtpSink();
      Object.assign(provided.env, {
        MAILGUN_SMTP_SERVER: '127.0.0.1',
        MAILGUN_SMTP_PORT: String(sink.port),
        MAILGUN_SMTP_LOGIN: 'postmaster@verify.example',
        MAILGUN_SMTP_PASSWORD: 'verify',
      });
      provided.describe.push(`${plan} → a local SMTP server, as MAILGUN_SMTP_* variables`);
      releases.push(() => sink.stop());
    } else {
      throw new Error(
        `app.json asks for the add-on "${plan}", which verify cannot stand in for yet: add it to tools/workshop/addons.ts`,
      );
    }
  }
  provided.release = async () => {
    for (const release of releases.reverse()) await release();
  };
  return provided;
}
