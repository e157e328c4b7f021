// A browser over fetch, with one cookie jar for whichever process it talks to: a login made through one
// web process can then be shown to another, as two dynos behind one router see the same browser.
import { tokenIn } from './forms.ts';

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

export interface Visitor {
  cookies: Map<string, string>;
  get(url: string): Promise<Answer>;
  /** Loads the form page at `url`, then posts `fields` to it with that page's token. */
  submit(url: string, fields: Record<string, string>): Promise<Answer>;
  post(url: string, fields: Record<string, string>): Promise<Answer>;
}

export function visitor(headers: Record<string, string> = {}): Visitor {
  const cookies = new Map<string, string>();
  const send = async (url: string, init: RequestInit = {}): Promise<Answer> => {
    const cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...headers, ...(cookie ? { cookie } : {}), ...(init.headers as object) },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const [name = '', value = ''] = pair.split('=', 2);
      const expired = attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === '') cookies.delete(name.trim());
      else cookies.set(name.trim(), value.trim());
    }
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  const post = (url: string, fields: Record<string, string>) =>
    send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  return {
    cookies,
    get: (url) => send(url),
    post,
    async submit(url, fields) {
      const page = await send(url);
      if (page.status !== 200) throw new Error(`GET ${url} answered ${page.status}`);
      return post(url, { ...fields, _csrf: tokenIn(page.text) });
    },
  };
}
