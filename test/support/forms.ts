// Drives the app's HTML forms over HTTP like a browser: one cookie jar, the page's CSRF token echoed back.
import type { Server } from 'node:http';
import type { Express } from 'express';
import request from 'supertest';

export type Agent = ReturnType<typeof request.agent>;

let browsers = 0;

/**
 * A browser with a cookie jar, on the app itself or on a server already listening, behind the router
 * over HTTPS. Each comes from an address of its own, as the router reports it, so that limits per
 * address count each one apart.
 */
export function agent(app: Express | Server): Agent {
  browsers += 1;
  const address = `10.${(browsers >> 16) & 255}.${(browsers >> 8) & 255}.${browsers & 255}`;
  return request.agent(app).set('X-Forwarded-For', address).set('X-Forwarded-Proto', 'https');
}

/** The CSRF token in a page's form. */
export function tokenIn(page: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!token) throw new Error(`no CSRF token in the page:\n${page.slice(0, 500)}`);
  return token;
}

/** Loads the form at `path` and posts `fields` to it with the page's token. */
export async function submit(client: Agent, path: string, fields: Record<string, string>) {
  const page = await client.get(path).expect(200);
  return client
    .post(path)
    .type('form')
    .send({ ...fields, _csrf: tokenIn(page.text) });
}

export async function signUp(
  client: Agent,
  fields: { email: string; displayName: string; password: string },
) {
  return submit(client, '/signup', fields);
}
