// Measures each slide of a built deck as a browser window shows it: where its content ends, and how large
// its code is drawn, against the limits every deck is held to.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

/** The size Marp lays every slide out at; a window shows that SVG scaled uniformly to fit. */
export const SLIDE = { width: 1280, height: 720 } as const;

/** The windows a deck must fit: a 720p and a 1080p projector. */
export const VIEWPORTS = [
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
] as const;

/**
 * Content must end this far inside the slide's bottom and right edges, in px at 1280×720 (36 px at 1080p).
 * The page number's own box ends 21 px above the bottom edge, a TV that overscans crops about 3.5 % (25 px),
 * and a presenter's fonts (San Francisco, Segoe UI) run a little wider than the Liberation Sans this is
 * measured with, which can wrap one more line.
 */
export const MARGIN = 24;

/**
 * The smallest code a slide may draw, in px at 1280×720 (21 px at 1080p): the "20 px or more at 1080p" that
 * MAX_EXCERPT_LINES assumes, rounded up to a whole px at 720. The decks' code blocks are 15.08 px (0.52 em
 * of the theme's 29 px), so this lets Marp shrink a wide block by about 7 % at most, and forbids code on a
 * `small` slide (0.52 em of 24 px is 12.5 px).
 */
export const MIN_CODE_PX = 14;

export interface Viewport {
  width: number;
  height: number;
}

export interface SlideFit {
  deck: string;
  /** 1-based, as the deck's page number and its `#N` address. */
  slide: number;
  heading: string;
  viewport: Viewport;
  /** Rendered px from the slide's top edge to the lowest content, at this viewport. */
  bottom: number;
  /** The lowest that content may end at this viewport. */
  bottomLimit: number;
  /** Rendered px from the slide's left edge to the rightmost content, at this viewport. */
  right: number;
  rightLimit: number;
  /** The smallest rendered code font on the slide, in px at this viewport; undefined if it has no code. */
  codePx: number | undefined;
  codeLimit: number;
}

/** How much larger than the slide's own 1280×720 a viewport draws it (letterboxed to keep 16:9). */
export function scaleAt(viewport: Viewport): number {
  return Math.min(viewport.width / SLIDE.width, viewport.height / SLIDE.height);
}

/** What is wrong with a slide at its viewport, in words an author can act on; empty when it fits. */
export function faultsOf(fit: SlideFit): string[] {
  const where = `${fit.deck} slide ${fit.slide} ("${fit.heading}") at ${fit.viewport.width}×${fit.viewport.height}`;
  const faults: string[] = [];
  if (fit.bottom > fit.bottomLimit) {
    faults.push(
      `${where}: content ends at ${fit.bottom.toFixed(1)} px of ${fit.viewport.height}; it must end by ${fit.bottomLimit.toFixed(1)}: split the slide or shorten it`,
    );
  }
  if (fit.right > fit.rightLimit) {
    faults.push(
      `${where}: content reaches ${fit.right.toFixed(1)} px of ${fit.viewport.width} across; it must end by ${fit.rightLimit.toFixed(1)}: break the long line or narrow the table`,
    );
  }
  if (fit.codePx !== undefined && fit.codePx < fit.codeLimit) {
    faults.push(
      `${where}: code is drawn at ${fit.codePx.toFixed(1)} px; it must be ${fit.codeLimit.toFixed(1)} px or more: quote fewer or shorter lines, or drop the small class`,
    );
  }
  return faults;
}

// Runs in the page: shows each slide in turn, as its `#N` address does, and measures it once Marp has
// drawn it. A pre that is too wide is shrunk by Marp's auto-scaling inside an SVG on the frames after the
// slide appears, so a code element's drawn size is its computed font size times its drawn width over its
// laid-out width.
const MEASURE_EVERY_SLIDE = `(async () => {
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  const measure = (svg, n) => {
    const section = svg.querySelector(':scope > foreignObject > section');
    const box = svg.getBoundingClientRect();
    let bottom = 0;
    let right = 0;
    for (const el of section.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      bottom = Math.max(bottom, r.bottom - box.top);
      right = Math.max(right, r.right - box.left);
    }
    let codePx = null;
    for (const el of section.querySelectorAll('code')) {
      if (!el.offsetWidth) continue;
      const px = parseFloat(getComputedStyle(el).fontSize) * el.getBoundingClientRect().width / el.offsetWidth;
      codePx = codePx === null ? px : Math.min(codePx, px);
    }
    const heading = section.querySelector('h1, h2, h3') || section;
    return { slide: n, heading: heading.textContent.trim().slice(0, 60), bottom, right, codePx };
  };
  await document.fonts.ready;
  const count = document.querySelectorAll('svg[data-marpit-svg]').length;
  const slides = [];
  for (let n = 1; n <= count; n++) {
    location.hash = '#' + n;
    let svg;
    for (let tries = 0; ; tries++) {
      await frame();
      svg = document.querySelector('svg.bespoke-marp-active');
      if (svg && svg.querySelector(':scope > foreignObject > section').id === String(n)) break;
      if (tries > 100) throw new Error('slide ' + n + ' never became the active one');
    }
    // Marp's auto-scaling settles over a few frames: measure until two frames agree.
    let last = null;
    for (let tries = 0; tries < 30; tries++) {
      await frame();
      const now = measure(svg, n);
      if (last && JSON.stringify(now) === JSON.stringify(last)) break;
      last = now;
    }
    slides.push(last);
  }
  return slides;
})()`;

/** Opens a built deck's HTML at each viewport and measures every slide on it. */
export async function measureDeck(
  browser: Browser,
  htmlFile: string,
  viewports: readonly Viewport[] = VIEWPORTS,
): Promise<SlideFit[]> {
  const deck = path.basename(htmlFile, '.html');
  // Each page waits on its own frames, so the viewports are measured side by side.
  const perViewport = await Promise.all(
    viewports.map(async (viewport) => {
      const page = await browser.newPage({ viewport });
      try {
        // A first page in a browser just started, on a machine busy with other tests, can take a while.
        await page.goto(pathToFileURL(htmlFile).href, { timeout: 120_000 });
        const slides = await page.evaluate<
          Array<{
            slide: number;
            heading: string;
            bottom: number;
            right: number;
            codePx: number | null;
          }>
        >(MEASURE_EVERY_SLIDE);
        const scale = scaleAt(viewport);
        return slides.map(({ codePx, ...measured }): SlideFit => ({
          deck,
          ...measured,
          viewport: { width: viewport.width, height: viewport.height },
          bottomLimit: (SLIDE.height - MARGIN) * scale,
          rightLimit: (SLIDE.width - MARGIN) * scale,
          codePx: codePx ?? undefined,
          codeLimit: MIN_CODE_PX * scale,
        }));
      } finally {
        await page.close();
      }
    }),
  );
  return perViewport.flat();
}

/** Headless Chromium from the given path, never a downloaded one. */
export function launchBrowser(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
}

/** Measures every deck (`NN-name.html`) that `npm run slides` wrote to a folder, at every viewport. */
export async function measureBuiltDecks(
  browser: Browser,
  dir: string,
  viewports: readonly Viewport[] = VIEWPORTS,
): Promise<SlideFit[]> {
  const decks = (await readdir(dir)).filter((name) => /^\d+-.*\.html$/.test(name)).sort();
  const fits = await Promise.all(
    decks.map((name) => measureDeck(browser, path.join(dir, name), viewports)),
  );
  return fits.flat();
}

/** Per viewport: the slide whose content ends lowest and the one whose code is drawn smallest. */
export function summary(fits: readonly SlideFit[]): string[] {
  const sizes = [...new Set(fits.map((f) => `${f.viewport.width}×${f.viewport.height}`))];
  return sizes.map((size) => {
    const at = fits.filter((f) => `${f.viewport.width}×${f.viewport.height}` === size);
    const lowest = at.reduce((a, b) => (b.bottom > a.bottom ? b : a));
    const withCode = at.filter((f) => f.codePx !== undefined);
    const smallest = withCode.length
      ? withCode.reduce((a, b) => (b.codePx! < a.codePx! ? b : a))
      : undefined;
    const code = smallest
      ? `smallest code ${smallest.codePx!.toFixed(2)} px (limit ${smallest.codeLimit}) on ${smallest.deck} slide ${smallest.slide}`
      : 'no code';
    return `${size}: lowest content ends at ${lowest.bottom.toFixed(1)} px (limit ${lowest.bottomLimit}) on ${lowest.deck} slide ${lowest.slide}; ${code}`;
  });
}
