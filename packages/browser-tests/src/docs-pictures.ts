import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright';

/** The repository root (the CLI's paths below are relative to it). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The four built-in samples that docs/report.png shows, in its overview's order. */
export const DOCS_EXAMPLES = ['00-t-shirt-top', '01-trouser', '02-pullover', '03-dress'] as const;

/** The methods of docs/report.png's overview, as `--method` names and as the report titles them. */
export const DOCS_METHODS = ['gradient', 'ig', 'gradcam', 'occlusion', 'kernel-shap'] as const;
export const DOCS_METHOD_TITLES = ['Gradient', 'Integrated gradients', 'Grad-CAM', 'Occlusion', 'KernelSHAP'] as const;

/**
 * The `salience explain` run behind docs/report.png and docs/figure.png: the built-in Fashion-MNIST
 * model on four of its samples, five methods, the top two classes of each example.
 */
export const DOCS_EXPLAIN_ARGS: readonly string[] = [
  'explain',
  '--input',
  ...DOCS_EXAMPLES.map((name) => `packages/cli/builtin/samples/${name}.png`),
  '--method',
  DOCS_METHODS.join(','),
  '--target',
  'top2',
  '--steps',
  '32',
  '--samples',
  '200',
  '--no-progress',
];

/** docs/figure.png: the integrated-gradients figure of the pullover for its predicted class. */
export const DOCS_FIGURE = { method: 'ig', title: 'Integrated gradients', example: 2, file: 'figures/ig/02-pullover.class-2.png' } as const;

/** docs/report.png is the top of report.html in a window of this size (scale 1). */
export const REPORT_VIEWPORT = { width: 1280, height: 1500 } as const;

/** The CLI's summary.json, as far as the pictures need it. */
export interface ExplainSummary {
  readonly ok: boolean;
  readonly report: string;
  readonly examples: readonly { readonly name: string; readonly predicted: number; readonly probability: number }[];
  readonly methods: readonly { readonly name: string; readonly examples: readonly number[]; readonly targets: readonly number[]; readonly figures?: readonly string[] }[];
}

/** Runs `salience explain` from the CLI's sources (as `pnpm salience` does) into `out`; returns its summary.json. */
export async function explainForDocs(out: string): Promise<ExplainSummary> {
  const args = ['--conditions=@salience/source', '--import', 'tsx', 'packages/cli/src/bin.ts', ...DOCS_EXPLAIN_ARGS, '--out', out];
  await promisify(execFile)(process.execPath, args, { cwd: REPO_ROOT, maxBuffer: 16 << 20, timeout: 300_000 });
  return JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as ExplainSummary;
}

/**
 * Opens a report in `page` with nothing but the file itself reachable (the report is self-contained:
 * anything it fetched would be listed in `blocked`), and waits for its images.
 */
export async function openReport(page: Page, report: string): Promise<{ blocked: string[] }> {
  const blocked: string[] = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  await page.goto(pathToFileURL(report).href);
  await page.waitForFunction(() => Array.from(document.images).every((img) => img.complete));
  return { blocked };
}

/** The pictures that the README shows, written into `dir`: report.png and figure.png. */
export interface DocsPictures {
  readonly report: string;
  readonly figure: string;
  /** The explain run they were made from. */
  readonly explainDir: string;
  readonly summary: ExplainSummary;
}

/**
 * Makes docs/report.png and docs/figure.png into `dir` (the repository's docs/ to update them):
 * runs `salience explain` into `workDir`, screenshots the top of its report.html in Chromium,
 * and copies the integrated-gradients figure of the pullover.
 */
export async function writeDocsPictures(browser: Browser, dir: string, workDir: string): Promise<DocsPictures> {
  const explainDir = join(workDir, 'explain');
  const summary = await explainForDocs(explainDir);
  await mkdir(dir, { recursive: true });
  const context = await browser.newContext({ viewport: REPORT_VIEWPORT, deviceScaleFactor: 1 });
  try {
    const page = await context.newPage();
    await openReport(page, join(explainDir, summary.report));
    const report = join(dir, 'report.png');
    await page.screenshot({ path: report });
    const figure = join(dir, 'figure.png');
    await copyFile(join(explainDir, DOCS_FIGURE.file), figure);
    return { report, figure, explainDir, summary };
  } finally {
    await context.close();
  }
}
