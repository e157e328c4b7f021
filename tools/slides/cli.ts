// `npm run slides [-- --pdf]`: builds every deck into dist/slides/ with an index page.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readWorkingTree } from '../workshop/source.ts';
import { buildSlides, findBrowser } from './build.ts';

const root = path.resolve(import.meta.dirname, '../..');
const { values } = parseArgs({
  options: {
    pdf: { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(root, 'dist/slides') },
  },
});
const log = (line: string) => console.log(`[slides] ${line}`);

try {
  let pdf = values.pdf;
  const browserPath = findBrowser(process.env);
  if (pdf && !browserPath) {
    log(
      'no Chromium found, so no PDFs this time: install it (apt-get install chromium) or set CHROME_PATH',
    );
    pdf = false;
  }
  const decks = await buildSlides(readWorkingTree(root), {
    outDir: path.resolve(values.out),
    pdf,
    ...(browserPath ? { browserPath } : {}),
    log,
  });
  log(
    `${decks.length} deck(s): open ${path.relative(process.cwd(), path.resolve(values.out, 'index.html'))}`,
  );
} catch (err) {
  console.error(`[slides] ${err instanceof Error ? err.message : String(err)}`);
  console.error('[slides] fix the deck or the code it quotes, then run npm run slides again');
  process.exitCode = 1;
}
