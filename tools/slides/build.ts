// Renders every deck: excerpts filled in from the generated steps, then Marp to self-contained HTML
// (and PDF through Chromium when asked), plus an index page linking them all.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { marpCli } from '@marp-team/marp-cli';
import escapeHtml from 'escape-html';
import { expandDecks } from '../workshop/build.ts';
import { generate } from '../workshop/generate.ts';
import type { Tree } from '../workshop/source.ts';

export interface SlidesOptions {
  outDir: string;
  pdf: boolean;
  browserPath?: string;
  log: (line: string) => void;
}

export interface Deck {
  file: string;
  title: string;
}

/** Expands every deck; throws on the first excerpt that no longer matches the code. */
export function expandedDecks(source: Tree): Map<string, string> {
  const base = expandDecks(generate(source));
  const decks = new Map<string, string>();
  for (const [file, { content }] of [...base].sort(([a], [b]) => a.localeCompare(b))) {
    if (/^slides\/[^/]+\.md$/.test(file))
      decks.set(path.posix.basename(file), content.toString('utf8'));
  }
  return decks;
}

function titleOf(markdown: string, fallback: string): string {
  return (
    /^title:\s*(.+)$/m
      .exec(markdown)?.[1]
      ?.trim()
      .replace(/^["']|["']$/g, '') ?? fallback
  );
}

export async function buildSlides(source: Tree, options: SlidesOptions): Promise<Deck[]> {
  const decks = expandedDecks(source);
  if (decks.size === 0) throw new Error('no decks found in slides/');
  const work = await mkdtemp(path.join(tmpdir(), 'slides-'));
  try {
    for (const [name, markdown] of decks) await writeFile(path.join(work, name), markdown);
    await rm(options.outDir, { recursive: true, force: true });
    await mkdir(options.outDir, { recursive: true });

    const formats: Array<{ flag: string[]; label: string }> = [{ flag: ['--html'], label: 'HTML' }];
    if (options.pdf) {
      formats.push({
        flag: ['--pdf', '--browser-path', options.browserPath ?? ''],
        label: 'PDF',
      });
    }
    for (const { flag, label } of formats) {
      options.log(`rendering ${decks.size} deck(s) to ${label} …`);
      const code = await marpCli(
        ['--input-dir', work, '--output', options.outDir, '--quiet', ...flag],
        {},
      );
      if (code !== 0) throw new Error(`Marp failed to render ${label} (exit ${code})`);
    }

    const list = [...decks].map(([name, markdown]) => ({
      file: name.replace(/\.md$/, ''),
      title: titleOf(markdown, name),
    }));
    await writeFile(path.join(options.outDir, 'index.html'), indexPage(list, options.pdf));
    const written = await readdir(options.outDir);
    options.log(`wrote ${written.length} file(s) to ${options.outDir}`);
    return list;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function indexPage(decks: Deck[], pdf: boolean): string {
  const items = decks
    .map(({ file, title }) => {
      const pdfLink = pdf ? ` · <a href="${file}.pdf">PDF</a>` : '';
      return `    <li><a href="${file}.html">${escapeHtml(title)}</a>${pdfLink}</li>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Workshop decks</title>
  <style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.6}</style>
</head>
<body>
  <h1>Workshop decks</h1>
  <ol start="0">
${items}
  </ol>
</body>
</html>
`;
}

/** The Chromium to print PDFs with: $CHROME_PATH, or Debian's package. */
export function findBrowser(env: NodeJS.ProcessEnv): string | undefined {
  return [env.CHROME_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
    (candidate): candidate is string => !!candidate && existsSync(candidate),
  );
}
