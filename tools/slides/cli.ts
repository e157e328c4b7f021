// `npm run slides [-- --pdf] [-- --check]`: builds every deck into dist/slides/ with an index page; --check
// then measures every slide in Chromium at 1280×720 and 1920×1080 and fails on one that does not fit.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readWorkingTree } from '../workshop/source.ts';
import { buildSlides, findBrowser } from './build.ts';
import { faultsOf, launchBrowser, measureBuiltDecks, summary } from './fit.ts';

const root = path.resolve(import.meta.dirname, '../..');
const { values } = parseArgs({
  options: {
    pdf: { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
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
  if (values.check) {
    if (!browserPath) {
      throw new Error(
        '--check measures the slides in Chromium and found none: install it (apt-get install chromium) or set CHROME_PATH',
      );
    }
    log('measuring every slide at 1280×720 and 1920×1080 …');
    const browser = await launchBrowser(browserPath);
    try {
      const fits = await measureBuiltDecks(browser, path.resolve(values.out));
      for (const line of summary(fits)) log(line);
      const faults = fits.flatMap(faultsOf);
      for (const fault of faults) log(fault);
      if (faults.length > 0) throw new Error(`${faults.length} slide measurement(s) out of bounds`);
      log(`all ${fits.length} slide views fit`);
    } finally {
      await browser.close();
    }
  }
  log(
    `${decks.length} deck(s): open ${path.relative(process.cwd(), path.resolve(values.out, 'index.html'))}`,
  );
} catch (err) {
  console.error(`[slides] ${err instanceof Error ? err.message : String(err)}`);
  console.error('[slides] fix the deck or the code it quotes, then run npm run slides again');
  process.exitCode = 1;
}
