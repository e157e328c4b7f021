// The HTML page shell shared by every server-rendered page.
import { html, type SafeHtml } from '../platform/html.ts';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    /** What every page needs to know about the request; middleware in app.ts sets it. */
    interface Locals {
      siteName: string;
      /** Links at the right of the header, such as the account menu. */
      menu?: SafeHtml | undefined;
      /** A notice above everything, such as which environment this is when it is not the live site. */
      banner?: SafeHtml | undefined;
    }
  }
}

export type PageLocals = Express.Locals;

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
        ${
          locals.banner
            ? html`<div class="environment-banner" role="note">${locals.banner}</div>`
            : ''
        }
        <header class="container">
          <nav>
            <ul>
              <li><a href="/" class="brand">${locals.siteName}</a></li>
            </ul>
            ${
              locals.menu
                ? html`<ul>
                    ${locals.menu}
                  </ul>`
                : ''
            }
          </nav>
        </header>
        <main class="container">${content}</main>
        <footer class="container"><small>A twelve-factor campaign site</small></footer>
      </body>
    </html> `.value;
}
