// Drives the app's HTML forms over HTTP like a browser: one cookie jar, the page's CSRF token echoed back.
import type { Server } from 'node:http';
import type { Express } from 'express';
import request from 'supertest';

export type Agent = ReturnType<typeof request.agent>;

/** A browser with a cookie jar, on the app itself or on a server already listening. */
export function agent(app: Express | Server): Agent {
  return request.agent(app);
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
