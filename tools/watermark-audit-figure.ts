// `node --conditions=@salience/source --import tsx tools/watermark-audit-figure.ts`
// Audits the planted-watermark fixtures (packages/cli/test/fixtures/watermark) with `salience
// audit`: the shortcut model side by side with the cleanly trained one, integrated gradients, the
// clean audit set. Stacks the two models' per-class mean maps into docs/audit-watermark.png (the
// README's figure) and prints the findings.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '@salience/cli';
import { decodePng, encodePng, grid } from '@salience/render';

const fixtures = new URL('../packages/cli/test/fixtures/watermark/', import.meta.url).pathname;
const out = mkdtempSync(join(tmpdir(), 'watermark-audit-'));
const stdout = {
  isTTY: false,
  chunks: [] as string[],
  write(text: string) {
    this.chunks.push(text);
    return true;
  },
};
const code = await runCli(
  [
    'audit',
    '--model',
    `${fixtures}shortcut.onnx`,
    '--compare-model',
    `${fixtures}clean.onnx`,
    '--method',
    'ig',
    '--data',
    `${fixtures}clean/`,
    '--truth',
    `${fixtures}clean/truth.csv`,
    '--labels',
    `${fixtures}labels.txt`,
    '--json',
    '--out',
    join(out, 'audit'),
  ],
  { stdout, stderr: process.stderr },
);
if (code !== 0) process.exit(code);
const summary = JSON.parse(stdout.chunks.join('')) as { findings: { text: string }[]; comparisons: { meanSimilarity: number }[] };
const rows = ['shortcut', 'clean'].map((model) => [decodePng(readFileSync(join(out, 'audit', `class-means-${model}-data-ig.png`)))]);
const figure = grid(rows, { labels: { rows: ['shortcut model', 'clean model'] }, gap: 6 });
const target = new URL('../docs/audit-watermark.png', import.meta.url).pathname;
writeFileSync(target, encodePng(figure));
rmSync(out, { recursive: true, force: true });
console.log(`Wrote ${target} (${figure.width} x ${figure.height}).`);
for (const f of summary.findings) console.log(`finding: ${f.text}`);
console.log(`mean similarity of the two models' maps: ${summary.comparisons[0]!.meanSimilarity.toFixed(3)}`);
