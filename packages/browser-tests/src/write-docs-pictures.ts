// Writes docs/report.png and docs/figure.png, the pictures of the root README:
//   pnpm --filter @salience/browser-tests docs:pictures            (into docs/)
//   pnpm --filter @salience/browser-tests docs:pictures -- DIR     (into DIR, e.g. to compare)
// It runs `salience explain` from the CLI's sources on the built-in model (DOCS_EXPLAIN_ARGS in
// docs-pictures.ts) into a temporary folder and screenshots its report.html in Debian's Chromium.
// src/docs-pictures.e2e.test.ts makes them the same way on every `pnpm test:browser` and checks
// what they show.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright';
import { chromiumLaunchOptions } from './chromium.js';
import { REPO_ROOT, writeDocsPictures } from './docs-pictures.js';

const dir = resolve(process.argv[2] ?? join(REPO_ROOT, 'docs'));
const work = await mkdtemp(join(tmpdir(), 'salience-docs-'));
const browser = await chromium.launch(chromiumLaunchOptions());
try {
  const pictures = await writeDocsPictures(browser, dir, work);
  console.log(`Wrote ${pictures.report} and ${pictures.figure}`);
} finally {
  await browser.close();
  await rm(work, { recursive: true, force: true });
}
