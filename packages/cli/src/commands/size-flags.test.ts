import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { encodePng } from '@salience/render';
import { type AnalyticNet, FakeModel } from '@salience/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { readNpyFile, salience, scratch } from '../../test/cli-harness.js';
import type { AuditSummary } from '../audit/summary.js';
import type { LoadedModel, ModelLoader } from '../models/loaded-model.js';

/**
 * Issue 17: every size on the command line is height x width. A model whose input is 6 rows by 10
 * columns tells the two orders apart: each flag either gives the 6x10 input, or is refused before
 * any work with a message that says what to write.
 */
const HEIGHT = 6;
const WIDTH = 10;

/** Logit 0 weighs row y by (y + 1) and column x by (x + 1) / 10; logit 1 is their negation. */
function linearNet(): AnalyticNet {
  const w = Float64Array.from({ length: HEIGHT * WIDTH }, (_, i) => (Math.floor(i / WIDTH) + 1) * ((i % WIDTH) + 1) * 0.1);
  return {
    classes: 2,
    layers: [],
    forward(x, rowShape) {
      const logit = w.reduce((sum, v, i) => sum + v * x[i]!, 0);
      return { x, rowShape, logits: Float64Array.of(logit, -logit), layers: {} };
    },
    backward(_state, g) {
      return { input: w.map((v) => v * (g[0]! - g[1]!)), layers: {} };
    },
  };
}

function loader(): ModelLoader {
  return async (): Promise<LoadedModel> => {
    const model = new FakeModel({ layout: 'NHWC', inputShape: [null, HEIGHT, WIDTH, 1], provides: ['logits', 'inputGradients'], net: linearNet() });
    return { model, format: 'onnx', runtime: 'fake', dispose: () => model.dispose() };
  };
}

const tmp = scratch('salience-sizes-');
afterAll(() => tmp.remove());

/** A gray PNG `width` wide and `height` high, brighter to the right and down. */
function photo(name: string, width: number, height: number): string {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const v = 40 + (((i % width) * 7 + Math.floor(i / width) * 5) % 200);
    data.set([v, v, v, 255], i * 4);
  }
  const path = tmp.path(name);
  writeFileSync(path, encodePng({ width, height, data }));
  return path;
}

const wide = photo('wide.png', 20, 12);
let runs = 0;
const explain = (...flags: string[]) =>
  salience(['explain', '--model', 'm.onnx', '--input', wide, '--quiet', '--no-overlays', '--out', tmp.path(`out-${runs++}`), ...flags], { loadModel: loader() });

describe('--help', () => {
  it.each(['explain', 'audit'])('salience %s --help states the convention and names the sizes HxW', async (command) => {
    const run = await salience([command, '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Sizes are height x width everywhere');
    expect(run.stdout).toMatch(/--resize <HxW>/);
    expect(run.stdout).toMatch(/--crop <HxW>/);
    expect(run.stdout).toMatch(/--window <HxW>/);
    expect(run.stdout).toMatch(/--stride <HxW>/);
    if (command === 'audit') expect(run.stdout.replace(/\s+/g, ' ')).toContain('top,left,bottom,right (rows before columns, as HxW)');
  });
});

describe('--resize and --crop: height x width, the old width x height refused', () => {
  it('--resize h=6,w=10 (and w=10,h=6) gives the 6-row, 10-column input', async () => {
    for (const size of ['h=6,w=10', 'w=10,h=6', 'height=6,width=10']) {
      const run = await explain('--method', 'gradient', '--resize', size, '--json');
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const gradient = readNpyFile(`${run.json<{ out: string }>().out}/gradient.npy`);
      expect(gradient.shape).toEqual([1, HEIGHT, WIDTH, 1]);
    }
  });

  it.each(['--resize', '--crop'])('%s 6x10 and 10,6 exit 2 before loading the model, naming both explicit spellings', async (flag) => {
    let loaded = 0;
    const counting: ModelLoader = async (...args) => {
      loaded++;
      return loader()(...args);
    };
    for (const [text, old, other] of [
      ['6x10', 'h=10,w=6', 'h=6,w=10'],
      ['10,6', 'h=6,w=10', 'h=10,w=6'],
    ]) {
      const run = await salience(['explain', '--model', 'm.onnx', '--input', wide, '--method', 'gradient', flag, text!, '--out', tmp.path(`refused-${runs++}`)], {
        loadModel: counting,
      });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`${flag} ${text} is ambiguous`);
      expect(run.stderr).toContain(`Write ${flag} ${old} for that`);
      expect(run.stderr).toContain(`or ${flag} ${other} for height`);
    }
    expect(loaded).toBe(0);
  });

  it('a size in the wrong order is refused once the model is known, with the spelling that fits', async () => {
    const run = await explain('--method', 'gradient', '--resize', 'h=10,w=6');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--resize 10x6 does not fit the model's input size 6x10 (height x width; that is --resize h=6,w=10)");
  });

  it('--resize-shorter 6 --crop h=6,w=10 cuts the 6x10 centre of the 20x12 photo; the report says it in height x width', async () => {
    const run = await explain('--method', 'gradient', '--resize-shorter', '6', '--crop', 'h=6,w=10', '--json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const { out } = run.json<{ out: string }>();
    expect(readNpyFile(`${out}/gradient.npy`).shape).toEqual([1, HEIGHT, WIDTH, 1]);
    const report = readFileSync(`${out}/report.html`, 'utf8');
    expect(report).toContain('centre crop 6x10 (height x width)');
  });

  it('--resize-shorter takes one number only', async () => {
    const run = await explain('--method', 'gradient', '--resize-shorter', '6x10');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--resize-shorter must be an integer >= 1; got '6x10'");
  });
});

describe('--window and --stride: height x width', () => {
  /** The occlusion map's [6, 10] values of the single example. */
  async function occlusion(window: string, stride: string): Promise<number[][]> {
    const run = await explain('--method', 'occlusion', '--window', window, '--stride', stride, '--baseline', '0', '--resize', 'h=6,w=10', '--json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const map = readNpyFile(`${run.json<{ out: string }>().out}/occlusion.npy`);
    expect(map.shape).toEqual([1, HEIGHT, WIDTH, 1]);
    return Array.from({ length: HEIGHT }, (_, y) => Array.from(map.data.subarray(y * WIDTH, (y + 1) * WIDTH)));
  }

  it('a 1x10 window occludes whole rows, a 6x1 window whole columns, in every spelling', async () => {
    for (const [window, stride] of [
      ['1x10', '1x10'],
      ['h=1,w=10', 'w=10,h=1'],
    ]) {
      const rows = await occlusion(window!, stride!);
      for (const row of rows) expect(new Set(row).size).toBe(1);
      expect(new Set(rows.map((r) => r[0])).size).toBe(HEIGHT);
    }
    const columns = await occlusion('h=6,w=1', '6x1');
    for (let x = 0; x < WIDTH; x++) expect(new Set(columns.map((row) => row[x])).size).toBe(1);
    expect(new Set(columns[0]).size).toBe(WIDTH);
  });

  it('refuses a half-named window', async () => {
    const run = await explain('--method', 'occlusion', '--window', 'w=4');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--window must name both sides as h=H,w=W, e.g. h=160,w=224; got 'w=4'");
  });
});

describe('--region: top,left,bottom,right, or each side named', () => {
  it('gives the same audit either way, and refuses a box that reaches past the 6x10 input naming its height and width', async () => {
    const data = tmp.path('data');
    mkdirSync(data);
    for (const n of [0, 1, 2]) writeFileSync(`${data}/img-${n}.png`, readFileSync(wide));
    const audit = (region: string, out: string) =>
      salience(['audit', '--model', 'm.onnx', '--data', data, '--method', 'gradient', '--resize', 'h=6,w=10', '--region', region, '--json', '--quiet', '--out', tmp.path(out)], {
        loadModel: loader(),
      });
    const positional = await audit('1,2,5,9', 'audit-a');
    expect(positional.stderr).toBe('');
    expect(positional.code).toBe(0);
    const named = await audit('left=2,right=9,top=1,bottom=5', 'audit-b');
    expect(named.code).toBe(0);
    // Everything but where and how long: the regions' shares and findings are the same.
    const results = (r: typeof named) => {
      const { out: _out, timeMs: _time, methodTimeMs: _methodTime, chunks: _chunks, ...rest } = r.json<AuditSummary>();
      return rest;
    };
    expect(results(named)).toEqual(results(positional));
    expect(JSON.stringify(results(named))).toContain('outside-object');
    const past = await audit('0,0,10,6', 'audit-c');
    expect(past.code).toBe(2);
    expect(past.stderr).toContain('--region 0,0,10,6 reaches past the 6x10 input (height x width)');
  });
});
