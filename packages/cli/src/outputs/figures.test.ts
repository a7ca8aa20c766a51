import { readFileSync, statSync } from 'node:fs';
import { decodePng } from '@salience/render';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { salience, scratch } from '../../test/cli-harness.js';
import type { ExplainSummary } from '../commands/explain-outputs.js';
import { BUILTIN_DIR } from '../models/builtin.js';

// Pictures that explain themselves: a Captum-style figure per map, a grid with a colorbar per
// cell, report chips for the options given, and the preprocessing said in the report.
describe('salience explain figures, grid legends and report chips', () => {
  const tmp = scratch();
  let summary: ExplainSummary;
  let stderr: string;

  beforeAll(async () => {
    const run = await salience([
      'explain',
      '--json',
      '--input',
      `${BUILTIN_DIR}samples/00-t-shirt-top.png`,
      `${BUILTIN_DIR}samples/02-pullover.png`,
      '--method',
      'ig,gradcam',
      '--steps',
      '8',
      '--target',
      'top2',
      '--out',
      tmp.path('out'),
    ]);
    stderr = run.stderr;
    expect(run.code).toBe(0);
    summary = run.json<ExplainSummary>();
  }, 120_000);
  afterAll(() => tmp.remove());

  it('writes one figure per map (original | heat map | blended + colorbar, a title), several targets apart', () => {
    expect(stderr).toBe('');
    for (const m of summary.methods) {
      expect(m.figures).toEqual([
        `figures/${m.name}/00-t-shirt-top.class-${m.targets[0]}.png`,
        `figures/${m.name}/00-t-shirt-top.class-${m.targets[1]}.png`,
        `figures/${m.name}/02-pullover.class-${m.targets[2]}.png`,
        `figures/${m.name}/02-pullover.class-${m.targets[3]}.png`,
      ]);
      for (const file of m.figures) {
        const bytes = readFileSync(tmp.path('out', file));
        const image = decodePng(bytes);
        // Three panels side by side and a colorbar: much wider than tall, with room for a title.
        expect(image.width).toBeGreaterThan(2 * image.height);
        expect(image.height).toBeGreaterThan(100);
        expect(bytes.length).toBeGreaterThan(5_000);
        expect(bytes.length).toBeLessThan(500_000);
      }
    }
  });

  it('draws grid.png with a colorbar beside every method cell', () => {
    const grid = decodePng(readFileSync(tmp.path('out', 'grid.png')));
    // 4 rows (2 examples x top2); input column plus two method cells that are wider than the input.
    expect(grid.height).toBeGreaterThan(4 * 112);
    expect(grid.width).toBeGreaterThan(3 * 112 + 2 * 30);
    expect(statSync(tmp.path('out', 'grid.png')).size).toBeGreaterThan(20_000);
  });

  it('shows the options the user gave as chips and folds the rest; says how the images were prepared', () => {
    const html = readFileSync(tmp.path('out', 'report.html'), 'utf8');
    expect(html).toContain('other settings');
    expect(html).toMatch(/steps/);
    expect(html).toContain('pixels 0..255 to 0..1');
  });
});

describe('salience explain --resize-shorter and --crop on a non-square photo', () => {
  const tmp = scratch();
  afterAll(() => tmp.remove());

  it('feeds the centre of the photo, draws the maps over it, and says so in the report', async () => {
    const photo = new URL('../../test/fixtures/preprocessing/photo.png', import.meta.url).pathname;
    const run = await salience(['explain', '--json', '--input', photo, '--method', 'gradient', '--resize-shorter', '28', '--crop', '28', '--out', tmp.path('out')]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const summary = run.json<ExplainSummary>();
    expect(summary.input.shape).toEqual([1, 28, 28, 1]);
    expect(summary.input.preprocessing).toMatchObject({ resizeShorter: 28, crop: true, width: 28, height: 28 });
    const html = readFileSync(tmp.path('out', 'report.html'), 'utf8');
    expect(html).toContain('shorter side resized to 28 (antialiased bilinear); centre crop 28x28');
    const overlay = decodePng(readFileSync(tmp.path('out', summary.methods[0]!.overlays[0]!)));
    expect(overlay.width).toBe(overlay.height);
  }, 60_000);

  it('refuses --resize beside --crop, and a crop that does not fit the model', async () => {
    const photo = new URL('../../test/fixtures/preprocessing/photo.png', import.meta.url).pathname;
    const both = await salience(['explain', '--input', photo, '--method', 'gradient', '--resize', '28', '--crop', '28', '--out', tmp.path('a')]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('Give one kind');
    const preset = await salience(['explain', '--input', photo, '--method', 'gradient', '--preset', 'imagenet', '--out', tmp.path('b')]);
    expect(preset.code).toBe(2);
    expect(preset.stderr).toContain("--crop 224x224 does not fit the model's input size 28x28");
  }, 60_000);
});
