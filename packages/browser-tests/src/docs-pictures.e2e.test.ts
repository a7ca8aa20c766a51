import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createImage, decodePng, drawLabel, figureTitle, fitLabel, measureLabel, type RgbaImage } from '@salience/render';
import { type Browser, chromium, type Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumLaunchOptions } from './chromium.js';
import { DOCS_EXAMPLES, DOCS_FIGURE, DOCS_METHOD_TITLES, DOCS_METHODS, type DocsPictures, openReport, REPO_ROOT, REPORT_VIEWPORT, writeDocsPictures } from './docs-pictures.js';

/**
 * The pictures of the root README (docs/report.png, docs/figure.png), made afresh the way
 * `pnpm --filter @salience/browser-tests docs:pictures` makes them (a real `salience explain` run into
 * a temporary folder, its report.html screenshotted in Chromium), then checked for what they must
 * show: the report's overview grid, one click from a thumbnail to its example, maps side by side,
 * a colorbar in raw units under every map; the figure's title with class and probability, its three
 * panels and its colorbar. The committed pictures must be what that script makes (same size and
 * layout; the pixels of the maps may move with the numbers).
 */
const REGENERATE = 'run `pnpm --filter @salience/browser-tests docs:pictures` to remake docs/report.png and docs/figure.png';
const labels = readFileSync(join(REPO_ROOT, 'packages/cli/builtin/labels.txt'), 'utf8').trim().split('\n');

let browser: Browser;
let work: string;
let pictures: DocsPictures;
let page: Page;
let blocked: string[];
const pageErrors: string[] = [];

beforeAll(async () => {
  browser = await chromium.launch(chromiumLaunchOptions());
  work = await mkdtemp(join(tmpdir(), 'salience-docs-e2e-'));
  pictures = await writeDocsPictures(browser, join(work, 'docs'), work);
  const context = await browser.newContext({ viewport: REPORT_VIEWPORT, deviceScaleFactor: 1 });
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  ({ blocked } = await openReport(page, join(pictures.explainDir, pictures.summary.report)));
}, 300_000);

afterAll(async () => {
  await browser?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const png = async (path: string) => decodePng(await readFile(path));
const pixel = (image: RgbaImage, x: number, y: number) => Array.from(image.data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 4));
const bytes = (data: Uint8ClampedArray) => Buffer.from(data.buffer, data.byteOffset, data.byteLength);
const parseTick = (text: string) => Number(text.replace('≥', '').replace('≤', '').replace('±', '').replace(/−/g, '-').trim());

/** Distinct colours in a rectangle of an image. */
function colours(image: RgbaImage, x0: number, y0: number, x1: number, y1: number): number {
  const seen = new Set<number>();
  for (let y = Math.max(0, y0); y < Math.min(image.height, y1); y++) {
    for (let x = Math.max(0, x0); x < Math.min(image.width, x1); x++) {
      const i = (y * image.width + x) * 4;
      seen.add((image.data[i]! << 16) | (image.data[i + 1]! << 8) | image.data[i + 2]!);
    }
  }
  return seen.size;
}

/** Where a column of a screenshot changes between the page background and a white card, top to bottom. */
function cardEdges(image: RgbaImage, x: number): number[] {
  const edges: number[] = [];
  let inCard = false;
  for (let y = 0; y < image.height; y++) {
    const [r, g, b] = pixel(image, x, y);
    const white = r === 255 && g === 255 && b === 255;
    if (white !== inCard) edges.push(y);
    inCard = white;
  }
  return edges;
}

describe('docs/report.png: report.html of a real `salience explain` run, in Chromium', () => {
  it('the run: four examples, five methods, two targets each, a figure per map', () => {
    const { summary } = pictures;
    expect(summary.ok).toBe(true);
    expect(summary.examples.map((e) => e.name)).toEqual([...DOCS_EXAMPLES]);
    expect(summary.methods.map((m) => m.name)).toEqual([...DOCS_METHODS]);
    for (const method of summary.methods) {
      expect(method.targets.length, method.name).toBe(8);
      expect(method.figures?.length, method.name).toBe(8);
    }
    expect(summary.methods.find((m) => m.name === DOCS_FIGURE.method)?.figures).toContain(DOCS_FIGURE.file);
  });

  it('is self-contained and opens with the overview grid: examples x methods, every thumbnail drawn', async () => {
    expect(blocked).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(await page.locator('main > section.card h2').first().textContent()).toBe('Overview');
    const heads = await page.locator('table.overview thead th').allTextContents();
    expect(heads).toEqual(['Example', ...DOCS_METHOD_TITLES]);
    const rows = page.locator('table.overview tbody tr');
    expect(await rows.count()).toBe(DOCS_EXAMPLES.length);
    for (const [i, name] of DOCS_EXAMPLES.entries()) {
      const row = rows.nth(i);
      expect(await row.locator('th').textContent()).toContain(`${i + 1} · ${name} · ${labels[pictures.summary.examples[i]!.predicted]}`);
      const links = row.locator('td a');
      expect(await links.count()).toBe(DOCS_METHODS.length);
      for (const href of await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')))) expect(href).toBe(`#example-${i + 1}`);
      // each thumbnail is a decoded picture with more than a few colours (a blank or broken image has one)
      const drawn = await row.locator('td a img').evaluateAll((imgs) =>
        imgs.map((img) => {
          const image = img as HTMLImageElement;
          const canvas = document.createElement('canvas');
          canvas.width = image.naturalWidth;
          canvas.height = image.naturalHeight;
          const context = canvas.getContext('2d')!;
          context.drawImage(image, 0, 0);
          const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
          const seen = new Set<number>();
          for (let p = 0; p < data.length; p += 4) seen.add((data[p]! << 16) | (data[p + 1]! << 8) | data[p + 2]!);
          return { width: image.naturalWidth, colours: seen.size };
        }),
      );
      for (const thumb of drawn) {
        expect(thumb.width).toBeGreaterThan(0);
        expect(thumb.colours).toBeGreaterThan(8);
      }
    }
  });

  it('a thumbnail is one click from its example', async () => {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.locator('table.overview tbody tr').nth(2).locator('td').nth(1).locator('a').click();
    await page.waitForFunction(() => location.hash === '#example-3' && Math.abs(document.getElementById('example-3')!.getBoundingClientRect().top) <= 1, undefined, {
      timeout: 10_000,
    });
    expect(await page.locator('#example-3 h2').textContent()).toBe(`Example 3 · ${DOCS_EXAMPLES[2]}`);
    expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(REPORT_VIEWPORT.height / 2);
  });

  it('an example shows its maps side by side: every method, both targets of a method on one row', async () => {
    const cards = page.locator('#example-3 .method');
    const laid = await cards.evaluateAll((els) =>
      els.map((el) => {
        const box = el.getBoundingClientRect();
        return { method: el.querySelector('h3')?.textContent, target: el.querySelector('.target')?.textContent, left: box.left, right: box.right, top: Math.round(box.top) };
      }),
    );
    expect(laid.length).toBe(DOCS_METHODS.length * 2);
    expect([...new Set(laid.map((c) => c.method))]).toEqual([...DOCS_METHOD_TITLES]);
    const pullover = pictures.summary.examples[2]!;
    expect(laid[0]!.target).toBe(`target ${pullover.predicted} · ${labels[pullover.predicted]} · p = ${pullover.probability.toFixed(4)}`);
    for (const title of DOCS_METHOD_TITLES) {
      const [a, b] = laid.filter((c) => c.method === title) as [
        { method: string | undefined; target: string | undefined; left: number; right: number; top: number },
        { method: string | undefined; target: string | undefined; left: number; right: number; top: number },
      ];
      expect(a.top, title).toBe(b.top);
      expect(b.left, title).toBeGreaterThanOrEqual(a.right);
    }
    // cards share rows: at least two columns in a 1280 px window
    expect(new Set(laid.map((c) => c.left)).size).toBeGreaterThanOrEqual(2);
  });

  it('every heat map has a colorbar labelled in its raw units', async () => {
    const bars = await page.locator('.method figure:has(.colorbar)').evaluateAll((figures) =>
      figures.map((f) => {
        const bar = f.querySelector<HTMLElement>('.colorbar')!;
        const box = bar.getBoundingClientRect();
        return {
          width: box.width,
          height: box.height,
          background: getComputedStyle(bar).backgroundImage,
          ticks: Array.from(f.querySelectorAll('.ticks span'), (s) => s.textContent ?? ''),
          caption: f.querySelector('figcaption')?.textContent ?? '',
        };
      }),
    );
    expect(bars.length).toBe(DOCS_EXAMPLES.length * DOCS_METHODS.length * 2);
    for (const bar of bars) {
      expect(bar.width).toBeGreaterThanOrEqual(100);
      expect(bar.height).toBeGreaterThanOrEqual(4);
      expect(bar.background).toMatch(/^linear-gradient\(/);
      expect(bar.ticks.length).toBe(3);
      const [low, mid, high] = bar.ticks.map(parseTick) as [number, number, number];
      expect(high, bar.ticks.join(' ')).toBeGreaterThan(0);
      // the caption says what the colours measure and the value full colour stands for, as the top tick does
      expect(bar.caption).toMatch(/^(\|attribution\||attribution|positive attribution|size of negative attribution)[^;]* per pixel; full colour at ±?[\d.e+−-]+/);
      const full = parseTick(/full colour at (±?[\d.e+−-]+)/.exec(bar.caption)![1]!);
      expect(full).toBeCloseTo(high, 10);
      if (bar.caption.includes('±')) expect([low, mid]).toEqual([-high, 0]);
      else expect(low).toBe(0);
    }
  });

  it('the screenshot shows the overview thumbnails and the colour scales, and has the layout of the committed docs/report.png', async () => {
    const shot = await png(pictures.report);
    expect([shot.width, shot.height]).toEqual([REPORT_VIEWPORT.width, REPORT_VIEWPORT.height]);
    await page.evaluate(() => window.scrollTo(0, 0));
    const box = async (selector: string) => (await page.locator(selector).first().boundingBox())!;
    const grid = await box('table.overview tbody');
    expect(grid.y + grid.height).toBeLessThan(REPORT_VIEWPORT.height);
    expect(colours(shot, grid.x, grid.y, grid.x + grid.width, grid.y + grid.height)).toBeGreaterThan(500);
    // the inferno scale: black on the left, pale yellow on the right, a gradient between
    const bar = await box('.legends .colorbar');
    const y = Math.round(bar.y + bar.height / 2);
    const [left, right] = [pixel(shot, Math.round(bar.x) + 2, y), pixel(shot, Math.round(bar.x + bar.width) - 3, y)];
    expect(Math.max(...left.slice(0, 3))).toBeLessThan(40);
    expect(Math.min(right[0]!, right[1]!)).toBeGreaterThan(220);
    expect(colours(shot, Math.round(bar.x), y, Math.round(bar.x + bar.width), y + 1)).toBeGreaterThan(40);

    const committed = await png(join(REPO_ROOT, 'docs/report.png'));
    expect([committed.width, committed.height], REGENERATE).toEqual([shot.width, shot.height]);
    // the same cards at the same heights: overview, methods, colour scales, the first example
    const card = await box('main > section.card');
    const x = Math.round(card.x) + 4;
    const fresh = cardEdges(shot, x);
    expect(fresh.length).toBeGreaterThanOrEqual(7);
    expect(cardEdges(committed, x), REGENERATE).toEqual(fresh);
  });
});

describe('docs/figure.png: the Captum-style figure of the same run, in Chromium', () => {
  // render's figure layout: 10 px margin and gaps, three 224 px panels (28 px images x 8), the colorbar last
  const MARGIN = 10;
  const GAP = 10;
  const PANEL = 224;
  const large = measureLabel('0', 'large').height;
  const small = measureLabel('0', 'small').height;
  const panelsTop = MARGIN + large + small + 2 + 6;
  let fig: RgbaImage;

  beforeAll(async () => {
    fig = await png(pictures.figure);
  });

  it('Chromium decodes it to the pixels that were written', async () => {
    const figurePage = await browser.newPage();
    try {
      await figurePage.goto(pathToFileURL(pictures.figure).href);
      const shown = await figurePage.evaluate(() => {
        const image = document.images[0]!;
        const canvas = document.createElement('canvas');
        canvas.width = image.naturalWidth;
        canvas.height = image.naturalHeight;
        const context = canvas.getContext('2d')!;
        context.drawImage(image, 0, 0);
        const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
        let binary = '';
        for (let i = 0; i < data.length; i += 0x8000) binary += String.fromCharCode(...data.subarray(i, i + 0x8000));
        return { width: image.naturalWidth, height: image.naturalHeight, base64: btoa(binary) };
      });
      expect([shown.width, shown.height]).toEqual([fig.width, fig.height]);
      expect(Buffer.from(shown.base64, 'base64').equals(bytes(fig.data))).toBe(true);
    } finally {
      await figurePage.close();
    }
  });

  it('has the title with the method, the class and its probability', () => {
    const example = pictures.summary.examples[DOCS_FIGURE.example]!;
    const title = figureTitle({ method: DOCS_FIGURE.title, target: example.predicted, className: labels[example.predicted], probability: example.probability });
    expect(title).toBe(`Integrated gradients · Pullover (class 2) · p = ${example.probability.toFixed(3)}`);
    // the title line drawn alone in render's typeface is exactly the figure's top band
    const expected = createImage(fig.width, large, [255, 255, 255, 255]);
    drawLabel(expected, fitLabel(title, fig.width - 2 * MARGIN, 'large'), MARGIN, 0, [30, 30, 30, 255], 'large');
    expect(expected.data.some((v) => v < 128)).toBe(true);
    expect(bytes(fig.data.subarray(MARGIN * fig.width * 4, (MARGIN + large) * fig.width * 4)).equals(bytes(expected.data))).toBe(true);
  });

  it('has three panels: the image in gray, the signed heat map, the two blended', () => {
    const panel = (i: number) => MARGIN + i * (PANEL + GAP);
    const inBand = (x: number, y: number) => pixel(fig, x, panelsTop + y);
    let black = 0;
    let red = 0;
    let blue = 0;
    let blendedColour = 0;
    let notGray = 0;
    let notZero = 0;
    for (let y = 0; y < PANEL; y++) {
      for (let x = 0; x < PANEL; x++) {
        const [r, g, b] = inBand(panel(0) + x, y);
        if (r !== g || g !== b) notGray++;
        const heat = inBand(panel(1) + x, y);
        const blended = inBand(panel(2) + x, y);
        if (heat[0]! - heat[2]! > 60) red++;
        if (heat[2]! - heat[0]! > 60) blue++;
        if (Math.abs(blended[0]! - blended[2]!) > 30) blendedColour++;
        if (r === 0) {
          // integrated gradients from a black baseline are 0 on black pixels: white heat, the image unchanged when blended
          black++;
          if (Math.min(...heat.slice(0, 3)) < 250 || blended[0]! + blended[1]! + blended[2]! !== 0) notZero++;
        }
      }
    }
    expect(notGray, 'the original is gray').toBe(0);
    expect(notZero, 'black pixels have zero attribution').toBe(0);
    expect(black).toBeGreaterThan(PANEL * PANEL * 0.1);
    expect(red).toBeGreaterThan(500);
    expect(blue).toBeGreaterThan(500);
    expect(blendedColour).toBeGreaterThan(500);
    // white gaps between the panels, down the whole band
    for (const gap of [panel(1) - GAP, panel(2) - GAP]) expect(colours(fig, gap, panelsTop, gap + GAP, panelsTop + PANEL)).toBe(1);
    expect(pixel(fig, panel(1) - 1, panelsTop + PANEL / 2).slice(0, 3)).toEqual([255, 255, 255]);
  });

  it('has a colorbar from blue to red with tick labels beside it', () => {
    const x0 = MARGIN + 3 * (PANEL + GAP);
    // the bar's colour strip: the column whose top is red, bottom blue and middle white
    let strip = -1;
    for (let x = x0; x < fig.width && strip < 0; x++) {
      const [top, mid, bottom] = [pixel(fig, x, panelsTop + 2), pixel(fig, x, panelsTop + PANEL / 2), pixel(fig, x, panelsTop + PANEL - 3)];
      if (top[0]! - top[2]! > 60 && bottom[2]! - bottom[0]! > 60 && Math.min(...mid.slice(0, 3)) > 235) strip = x;
    }
    expect(strip, 'no colour strip right of the panels').toBeGreaterThan(0);
    expect(colours(fig, strip, panelsTop, strip + 1, panelsTop + PANEL)).toBeGreaterThan(50);
    // tick labels: dark gray text right of the strip
    let text = 0;
    for (let y = panelsTop - small; y < panelsTop + PANEL + small; y++) {
      for (let x = strip + 8; x < fig.width; x++) {
        const [r, g, b] = pixel(fig, x, y) as [number, number, number];
        if (r === g && g === b && r < 120) text++;
      }
    }
    expect(text).toBeGreaterThan(100);
  });

  it('is the committed docs/figure.png, remade: same size, same title', async () => {
    const committed = await png(join(REPO_ROOT, 'docs/figure.png'));
    expect([committed.width, committed.height], REGENERATE).toEqual([fig.width, fig.height]);
    const band = (image: RgbaImage) => bytes(image.data.subarray(0, panelsTop * image.width * 4));
    expect(band(committed).equals(band(fig)), REGENERATE).toBe(true);
  });
});
