// The HTML page shell shared by every server-rendered page.
import { html, type SafeHtml } from '../platform/html.ts';
import type { SessionUser } from '../platform/session.ts'; // @step 2+
import { csrfField } from './forms.ts'; // @step 2+

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    /** What every page needs to know about the request; app.ts and the session middleware set it. */
    interface Locals {
      siteName: string;
      user?: SessionUser | undefined; // @step 2+
      csrfToken?: string | undefined; // @step 2+
    }
  }
}

export type PageLocals = Express.Locals;

// @step 1-1
//~ const navigation = (_locals: PageLocals): SafeHtml => html``;
// @end
// @step 2+
function navigation({ user, csrfToken }: PageLocals): SafeHtml {
  if (!user || !csrfToken) {
    return html`<li><a href="/signup">Sign up</a></li>
      <li><a href="/login">Log in</a></li>`;
  }
  return html`<li><a href="/me">${user.displayName}</a></li>
    <li>
      <form method="post" action="/logout" class="inline">
        ${csrfField(csrfToken)}
        <button type="submit" class="secondary outline">Log out</button>
      </form>
    </li>`;
}
// @end

export function page(locals: PageLocals, title: string, content: SafeHtml): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · ${locals.siteName}</title>
        <link rel="stylesheet" href="/assets/pico/pico.min.css" />
        <link rel="stylesheet" href="/assets/site.css" />
      </head>
      <body>
        <header class="container">
          <nav>
            <ul>
              <li><a href="/" class="brand">${locals.siteName}</a></li>
            </ul>
            <ul>
              ${navigation(locals)}
            </ul>
          </nav>
        </header>
        <main class="container">${content}</main>
        <footer class="container"><small>A twelve-factor campaign site</small></footer>
      </body>
    </html> `.value;
}
