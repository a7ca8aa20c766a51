// `node --conditions=@salience/source --import tsx tools/text-audit-figure.ts` (needs Debian's Chromium: `bash tools/ensure-chromium.sh`)
// Audits the text-shortcut fixtures (packages/cli/test/fixtures/text-shortcut, made by
// tools/train-text-shortcut.py) with `salience audit --texts`: the shortcut model side by side with
// its clean twin, the default method (integrated gradients, 50 steps), clean and shifted sets, the
// fixtures' names as the suspect list. Prints the command and its terminal output (the README's
// capture), and screenshots the report's findings and its two-models-side-by-side section in
// Chromium into docs/text-audit.png (the README's figure).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { runCli } from '@salience/cli';
import { decodePng, encodePng, grid } from '@salience/render';

const browserRequire = createRequire(new URL('../packages/browser-tests/package.json', import.meta.url));
const { chromium } = browserRequire('playwright') as typeof import('playwright');
const { chromiumLaunchOptions } = await import('@salience/browser-tests/chromium');

const root = new URL('..', import.meta.url).pathname;
const fixtures = relative(root, new URL('../packages/cli/test/fixtures/text-shortcut', import.meta.url).pathname);
const out = mkdtempSync(join(tmpdir(), 'text-audit-'));
const report = join(out, 'text-audit');
const args = [
  'audit',
  '--model',
  `${fixtures}/shortcut`,
  '--compare-model',
  `${fixtures}/clean`,
  '--texts',
  `${fixtures}/clean.jsonl`,
  '--shifted',
  `${fixtures}/shifted.jsonl`,
  '--suspect',
  `${fixtures}/names.txt`,
  '--out',
  report,
];
// What a terminal shows (as a pipe: a line per chunk instead of bars), stdout and stderr in order.
const terminal = { isTTY: false, write: (text: string) => process.stdout.write(text) };
process.chdir(root);
console.log(`$ salience ${args.map((a) => (a === report ? 'text-audit' : a)).join(' ')}`);
// Paths are shown from the output's parent folder, so the capture says `text-audit/`.
const code = await runCli(args, { stdout: terminal, stderr: terminal, cwd: out });
if (code !== 0) process.exit(code);

const browser = await chromium.launch(chromiumLaunchOptions());
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(`file://${join(report, 'report.html')}`);
  const sections = page.locator('section.card');
  const findings = sections.filter({ hasText: 'Findings' }).first();
  const sideBySide = sections.filter({ hasText: 'Two models side by side' }).first();
  const shots = [await findings.screenshot(), await sideBySide.screenshot()].map((png) => decodePng(new Uint8Array(png)));
  const figure = grid(
    shots.map((image) => [image]),
    { gap: 8 },
  );
  const target = new URL('../docs/text-audit.png', import.meta.url).pathname;
  writeFileSync(target, encodePng(figure));
  console.error(`Wrote ${target} (${figure.width} x ${figure.height}).`);
} finally {
  await browser.close();
  rmSync(out, { recursive: true, force: true });
}
