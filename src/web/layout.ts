// The HTML page shell shared by every server-rendered page.
import { html, type SafeHtml } from '../platform/html.ts';

export interface PageOptions {
  title: string;
  siteName: string;
}

export function page({ title, siteName }: PageOptions, content: SafeHtml): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · ${siteName}</title>
        <link rel="stylesheet" href="/assets/pico/pico.min.css" />
        <link rel="stylesheet" href="/assets/site.css" />
      </head>
      <body>
        <header class="container">
          <nav>
            <ul>
              <li><a href="/" class="brand">${siteName}</a></li>
            </ul>
          </nav>
        </header>
        <main class="container">${content}</main>
        <footer class="container"><small>A twelve-factor campaign site</small></footer>
      </body>
    </html> `.value;
}
