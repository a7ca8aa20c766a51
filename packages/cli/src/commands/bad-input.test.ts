import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AnalyticNet } from '@salience/testing';
import { FakeModel } from '@salience/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { salience, scratch } from '../../test/cli-harness.js';
import { CORNER_SIDE, cornerLoader, cornerNet, writeCornerImages } from '../../test/corner-model.js';
import { treeChanges, treeSnapshot } from '../../test/tree-snapshot.js';
import { writeNpy } from '../inputs/npy.js';
import type { LoadedModel, ModelLoader } from '../models/loaded-model.js';

/**
 * The bad-input suite (issue 16): each case is a command line a careless or hostile user could
 * type, with the exit status it must end with; and whatever it ends with, nothing outside the
 * run's own output folder may change (the sandbox's tree and modification times are compared).
 * Most cases run on a small fake model (8x8 gray images, two classes) so the suite stays fast.
 */

/** The corner model, but its logits (or gradients) are NaN: a model that breaks on some inputs. */
function brokenLoader(what: 'logits' | 'gradients'): ModelLoader {
  const base = cornerNet();
  const net: AnalyticNet = {
    ...base,
    forward(x, rowShape) {
      const state = base.forward(x, rowShape);
      return what === 'logits' ? { ...state, logits: Float64Array.from(state.logits, (v, k) => (k === 0 && x[0]! > 0.6 ? Number.NaN : v)) } : state;
    },
    backward(state, g) {
      const out = base.backward(state, g);
      return what === 'gradients' ? { ...out, input: out.input.map((v) => (state.x[0]! > 0.6 ? Number.POSITIVE_INFINITY : v)) } : out;
    },
  };
  return async (): Promise<LoadedModel> => {
    const model = new FakeModel({ layout: 'NHWC', inputShape: [null, CORNER_SIDE, CORNER_SIDE, 1], provides: ['logits', 'inputGradients'], net });
    return { model, format: 'onnx', runtime: 'fake', dispose: () => model.dispose() };
  };
}

/** A loader that counts loads: checks that must come before any work leave it at zero. */
function counting(loader: ModelLoader): ModelLoader & { loads: number } {
  const wrapped = Object.assign(
    async (path: string, options: Parameters<ModelLoader>[1]) => {
      wrapped.loads++;
      return loader(path, options);
    },
    { loads: 0 },
  );
  return wrapped;
}

/** A PNG whose header claims 30000x30000 pixels (the 873 KB bomb, cut to its header). */
function pngBomb(): Uint8Array {
  const bytes = new Uint8Array(8 + 25);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 0);
  const view = new DataView(bytes.buffer);
  view.setUint32(8, 13);
  bytes.set(
    [...'IHDR'].map((c) => c.charCodeAt(0)),
    12,
  );
  view.setUint32(16, 30000);
  view.setUint32(20, 30000);
  bytes.set([8, 2, 0, 0, 0], 24);
  return bytes;
}

const tmp = scratch('salience-bad-input-');
const p = (...parts: string[]) => tmp.path(...parts);
const OUT = 'out';

beforeAll(() => {
  writeCornerImages(p('in'), 4, 2);
  const rows = (n: number, fill = 0.5) => ({ data: new Float32Array(n * CORNER_SIDE * CORNER_SIDE).fill(fill), shape: [n, CORNER_SIDE, CORNER_SIDE, 1] });
  writeFileSync(p('x.npy'), writeNpy(rows(2)));
  const nan = rows(2);
  nan.data[1 * 64 + 2 * 8 + 3] = Number.NaN;
  writeFileSync(p('nan.npy'), writeNpy(nan));
  const inf = rows(2);
  inf.data[5] = Number.POSITIVE_INFINITY;
  writeFileSync(p('inf.npy'), writeNpy(inf));
  writeFileSync(p('huge.npy'), writeNpy(rows(2, 1e38)));
  writeFileSync(p('small.npy'), writeNpy({ data: new Float32Array(2 * 16), shape: [2, 4, 4, 1] }));
  writeFileSync(p('vector.npy'), writeNpy({ data: new Float32Array(3), shape: [3] }));
  writeFileSync(p('none.npy'), writeNpy({ data: new Float32Array(0), shape: [0, 8, 8, 1] }));
  writeFileSync(p('mask.npy'), writeNpy({ data: new Float32Array(4 * 3).fill(1), shape: [4, 3] }));
  writeFileSync(p('mask3.npy'), writeNpy({ data: new Float32Array(3 * 3).fill(1), shape: [3, 3] }));
  writeFileSync(p('garbage.npy'), '\x93NUMPY\x09\x00garbage');
  writeFileSync(p('notes.txt'), 'not an image');
  writeFileSync(p('truncated.png'), readFileSync(p('in', 'img-00.png')).subarray(0, 40));
  writeFileSync(p('bomb.png'), pngBomb());
  writeFileSync(p('labels.txt'), 'marked\nplain\n');
  mkdirSync(p('empty-folder'));
  mkdirSync(p('escape'));
  writeFileSync(p('escape', 'model.json'), JSON.stringify({ modelTopology: { class_name: 'Sequential' }, weightsManifest: [{ paths: ['../../../../etc/passwd'], weights: [] }] }));
  writeFileSync(p('notjson.json'), '{ not json');
  writeFileSync(p('model.pt'), 'torch');
  writeFileSync(p('garbage.onnx'), 'not a protobuf at all');
  mkdirSync(p('thesis'));
  writeFileSync(p('thesis', 'summary.json'), '{"tool":"salience"}');
  writeFileSync(p('thesis', 'thesis.tex'), '\\documentclass{article}');
  mkdirSync(p('mine'));
  writeFileSync(p('mine', 'report.html'), '<p>my report</p>');
  writeFileSync(p('a-file'), 'x');
  mkdirSync(p('locked', '.salience-audit'), { recursive: true });
  writeFileSync(p('locked', '.salience-audit', 'lock'), JSON.stringify({ pid: process.ppid, started: 'earlier' }));
});
afterAll(() => tmp.remove());

interface Case {
  readonly argv: (images: string[]) => string[];
  readonly code: number;
  readonly stderr?: RegExp;
  /** The model: the fake corner model (default), a broken one, or the real loader (files on disk). */
  readonly model?: 'corner' | 'nan-logits' | 'inf-gradients' | 'real';
  /** The command must fail before loading any model (checks before work). */
  readonly beforeLoad?: boolean;
  /** Paths (relative to the sandbox) the run may write; nothing else may change. */
  readonly writes?: readonly string[];
}

const images = () => [p('in', 'img-00.png'), p('in', 'img-01.png'), p('in', 'img-02.png'), p('in', 'img-03.png')];
const explain =
  (...extra: string[]) =>
  (inputs: string[]) => ['explain', '--model', 'corner.onnx', '--input', ...inputs, '--method', 'gradient', '--out', p(OUT), ...extra];
const explainNpy =
  (file: string, ...extra: string[]) =>
  () => ['explain', '--model', 'corner.onnx', '--input', p(file), '--method', 'gradient', '--out', p(OUT), ...extra];
const audit =
  (...extra: string[]) =>
  () => ['audit', '--model', 'corner.onnx', '--data', p('in'), '--method', 'gradient', '--out', p('audit-out'), ...extra];

const CASES: Record<string, Case> = {
  // Usage (2): bad values, contradictions, options that do nothing.
  'an unknown option': { argv: explain('--colour', 'red'), code: 2, beforeLoad: true },
  'an unknown method': { argv: explain('--method', 'deepdream'), code: 2, stderr: /Unknown method 'deepdream'; use one of gradient/, beforeLoad: true },
  'a --method that names none': {
    argv: (i) => ['explain', '--model', 'corner.onnx', '--input', ...i, '--method', ',', '--out', p(OUT)],
    code: 2,
    stderr: /--method names no method/,
    beforeLoad: true,
  },
  '--steps 0': { argv: explain('--method', 'ig', '--steps', '0'), code: 2, stderr: /--steps must be an integer >= 1/, beforeLoad: true },
  '--steps not a number': { argv: explain('--method', 'ig', '--steps', 'many'), code: 2, beforeLoad: true },
  '--steps 1e9': { argv: explain('--method', 'ig', '--steps', '1e9'), code: 2, beforeLoad: true },
  '--steps over the work limit': {
    argv: explain('--method', 'ig', '--steps', '200000'),
    code: 2,
    stderr: /steps is 200000, above the limit of 10000 steps per call .* raise the limit with --limit steps=200000\./,
  },
  '--samples over the work limit': { argv: explain('--method', 'smoothgrad', '--samples', '100000000'), code: 2, stderr: /--limit samples=100000000/ },
  '--limit of an unknown kind': { argv: explain('--limit', 'hours=2'), code: 2, stderr: /--limit must be KIND=N with KIND one of steps, samples, windows/, beforeLoad: true },
  '--limit not a number': { argv: explain('--limit', 'steps=lots'), code: 2, beforeLoad: true },
  '--steps for a method that has none': { argv: explain('--steps', '10'), code: 2, stderr: /--steps applies to ig/, beforeLoad: true },
  '--samples negative': { argv: explain('--method', 'smoothgrad', '--samples', '-1'), code: 2, beforeLoad: true },
  '--stdev negative': { argv: explain('--method', 'smoothgrad', '--stdev', '-5%'), code: 2, beforeLoad: true },
  '--variant unknown': { argv: explain('--variant', 'cubed'), code: 2, beforeLoad: true },
  '--signed against --variant absolute': { argv: explain('--signed', '--variant', 'absolute'), code: 2, stderr: /contradict/, beforeLoad: true },
  '--quadrature unknown': { argv: explain('--method', 'ig', '--quadrature', 'simpson'), code: 2, beforeLoad: true },
  '--baseline unknown': { argv: explain('--method', 'ig', '--baseline', 'banana'), code: 2, beforeLoad: true },
  '--objective unknown': { argv: explain('--objective', 'loss'), code: 2, beforeLoad: true },
  '--target empty': { argv: explain('--target', ''), code: 2, beforeLoad: true },
  '--target top0': { argv: explain('--target', 'top0'), code: 2, beforeLoad: true },
  '--target a class name without --labels': { argv: explain('--target', 'classes:Zebra'), code: 2, stderr: /Class names need --labels/, beforeLoad: true },
  '--target a name --labels does not have': {
    argv: explain('--labels', p('labels.txt'), '--target', 'zebra'),
    code: 2,
    stderr: /Known class names: marked, plain/,
    beforeLoad: true,
  },
  '--target with the wrong count': { argv: explain('--target', '1,0,1'), code: 2, stderr: /3 targets for 4 examples/ },
  '--target past the classes': { argv: explain('--target', '7'), code: 2 },
  '--resize 0': { argv: explain('--resize', '0'), code: 2, beforeLoad: true },
  '--resize half given': { argv: explain('--resize', '8x'), code: 2, beforeLoad: true },
  '--range reversed': { argv: explain('--range', '1,0'), code: 2, beforeLoad: true },
  '--mean not numbers': { argv: explain('--mean', 'a,b'), code: 2, beforeLoad: true },
  '--mean per channel on a gray model': { argv: explain('--mean', '0.1,0.2'), code: 2, stderr: /takes 1 channel\(s\); give 1\.$/m },
  '--channels unknown': { argv: explain('--channels', 'cmyk'), code: 2, beforeLoad: true },
  '--channels rgb on a gray model': { argv: explain('--channels', 'rgb'), code: 2 },
  '--layout NCHW on an NHWC model': { argv: explain('--layout', 'NCHW'), code: 2, stderr: /--layout NCHW contradicts the model's input \[\?, 8, 8, 1\]: it would read 8 channels/ },
  '--layout unknown': { argv: explain('--layout', 'CHWN'), code: 2, beforeLoad: true },
  '--batch-size 0': { argv: explain('--batch-size', '0'), code: 2, beforeLoad: true },
  '--seed negative': { argv: explain('--method', 'smoothgrad', '--seed', '-1'), code: 2, beforeLoad: true },
  '--window 0': { argv: explain('--method', 'occlusion', '--window', '0'), code: 2, beforeLoad: true },
  '--window malformed': { argv: explain('--method', 'occlusion', '--window', '3x'), code: 2, beforeLoad: true },
  '--upsample unknown': { argv: explain('--method', 'gradcam', '--upsample', 'cubic'), code: 2, beforeLoad: true },
  '--backend unknown': { argv: explain('--backend', 'metal'), code: 2, beforeLoad: true },
  '--backend for an ONNX model': { argv: explain('--backend', 'cpu'), code: 2, stderr: /ONNX models run on ONNX Runtime/, beforeLoad: true },
  '--max-pixels 0': { argv: explain('--max-pixels', '0'), code: 2, beforeLoad: true },
  '--context without a file': { argv: explain('--context', 'attention_mask'), code: 2, beforeLoad: true },
  '--context naming an input twice': { argv: explain('--context', `m=${p('mask.npy')}`, '--context', `m=${p('mask.npy')}`), code: 2, stderr: /names 'm' twice/, beforeLoad: true },
  '--context on the built-in model': { argv: () => ['explain', '--context', `m=${p('mask.npy')}`, '--out', p(OUT)], code: 2, beforeLoad: true },
  'images and tensors mixed': { argv: (i) => explain()([i[0]!, p('x.npy')]), code: 2, beforeLoad: true },
  'image preprocessing on a tensor input': { argv: explainNpy('x.npy', '--mean', '0.5'), code: 2 },
  'no --input for a model': { argv: () => ['explain', '--model', 'corner.onnx', '--out', p(OUT)], code: 2, beforeLoad: true },
  // Input files (3).
  'a missing input': { argv: (i) => explain()([...i, p('nope.png')]), code: 3, stderr: /Cannot read the input .*nope\.png: it does not exist/, beforeLoad: true },
  'a text file as input': { argv: () => explain()([p('notes.txt')]), code: 3, beforeLoad: true },
  'a truncated PNG': { argv: () => explain()([p('truncated.png')]), code: 3, beforeLoad: true },
  'a .npy with a broken header': { argv: explainNpy('garbage.npy'), code: 3, beforeLoad: true },
  'NaN in a .npy input': { argv: explainNpy('nan.npy'), code: 3, stderr: /nan\.npy holds NaN at \[1, 2, 3, 0\]; inputs must be finite/, beforeLoad: true },
  'infinity in a .npy input': { argv: explainNpy('inf.npy'), code: 3, stderr: /holds Infinity at \[0, 0, 5, 0\]/, beforeLoad: true },
  'a .npy without a batch axis': { argv: explainNpy('vector.npy'), code: 3, beforeLoad: true },
  'a .npy with no examples': { argv: explainNpy('none.npy'), code: 3, beforeLoad: true },
  'a .npy of the wrong example shape': { argv: explainNpy('small.npy'), code: 3 },
  'a decompression bomb': {
    argv: () => explain()([p('bomb.png')]),
    code: 3,
    stderr: /30000x30000 pixels \(height x width, 900\.0 megapixels\), more than the limit of 50000000 pixels; .*--max-pixels/,
    beforeLoad: true,
  },
  'an image over --max-pixels': { argv: explain('--max-pixels', '63'), code: 3, stderr: /8x8 pixels/, beforeLoad: true },
  'a missing --labels file': { argv: explain('--labels', p('nope.txt')), code: 3, beforeLoad: true },
  'a missing --baseline file': { argv: explain('--method', 'ig', '--baseline', p('nope.npy')), code: 3, beforeLoad: true },
  'NaN in the --baseline file': { argv: explain('--method', 'ig', '--baseline', p('nan.npy')), code: 3, stderr: /--baseline .*nan\.npy holds NaN/ },
  'a missing --context file': { argv: explain('--context', `attention_mask=${p('nope.npy')}`), code: 3, beforeLoad: true },
  'a --context file with the wrong rows': { argv: explain('--context', `attention_mask=${p('mask3.npy')}`), code: 3, stderr: /one row per example \(4\)/, beforeLoad: true },
  'a folder without images': { argv: () => explain()([p('empty-folder')]), code: 3, beforeLoad: true },
  // Model files (4), through the real loaders.
  'a missing model': { argv: (i) => ['explain', '--model', p('nope.onnx'), '--input', ...i, '--out', p(OUT)], model: 'real', code: 4, beforeLoad: true },
  'a PyTorch file as model': { argv: (i) => ['explain', '--model', p('model.pt'), '--input', ...i, '--out', p(OUT)], model: 'real', code: 4 },
  'a model.json whose weights path leaves its folder': {
    argv: (i) => ['explain', '--model', p('escape', 'model.json'), '--input', ...i, '--out', p(OUT)],
    model: 'real',
    code: 4,
    stderr: /lists the weight file '\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd', which is not inside the model's folder/,
  },
  'a model.json that is not JSON': { argv: (i) => ['explain', '--model', p('notjson.json'), '--input', ...i, '--out', p(OUT)], model: 'real', code: 4 },
  'an .onnx file that is not a model': { argv: (i) => ['explain', '--model', p('garbage.onnx'), '--input', ...i, '--out', p(OUT)], model: 'real', code: 4 },
  // Output folders (10): checked before any work; a user's files are never removed.
  '--out below a file': {
    argv: (i) => [...explain()(i).slice(0, -2), '--out', p('a-file', 'sub', 'out')],
    code: 10,
    stderr: /cannot be created: .*a-file is a file, not a folder/,
    beforeLoad: true,
  },
  '--out is a file': { argv: (i) => [...explain()(i).slice(0, -2), '--out', p('a-file')], code: 10, beforeLoad: true },
  "--out holds a user's files beside a summary.json saying salience (issue 16 repro)": {
    argv: (i) => [...explain()(i).slice(0, -2), '--out', p('thesis')],
    code: 10,
    stderr: /thesis\.tex\); choose a new or empty folder, or give --overwrite/,
    beforeLoad: true,
  },
  "--overwrite where a user's file bears an output's name": {
    argv: (i) => [...explain()(i).slice(0, -2), '--out', p('mine'), '--overwrite'],
    code: 10,
    stderr: /holds report\.html, which salience did not write/,
    beforeLoad: true,
  },
  // Non-finite results (12) unless allowed.
  'a model that gives NaN logits': {
    argv: explain(),
    model: 'nan-logits',
    code: 12,
    stderr: /NaN or infinite logits for 2 of 4 example\(s\): img-00, img-01\. .*--allow-nonfinite/,
  },
  'NaN logits with --allow-nonfinite': { argv: explain('--allow-nonfinite'), model: 'nan-logits', code: 0, writes: [OUT] },
  'a model whose gradients are infinite': {
    argv: explain(),
    model: 'inf-gradients',
    code: 12,
    stderr: /gradient gave NaN or infinite values in 2 of 4 map\(s\), for example\(s\) img-00, img-01/,
  },
  'inputs of 1e38 that overflow the model': { argv: explainNpy('huge.npy'), code: 12, stderr: /NaN or infinite logits for 2 of 2 example\(s\): huge\[0\], huge\[1\]/ },
  'a constant input of 1e38 (pictures of it still draw)': { argv: explainNpy('huge.npy', '--allow-nonfinite'), code: 0, writes: [OUT] },
  // Clamps are warnings, not errors.
  'an occlusion window larger than the image': {
    argv: explain('--method', 'occlusion', '--window', '20'),
    code: 0,
    stderr: /note: --window 20 is larger than the example \(8x8\); using 8x8\./,
    writes: [OUT],
  },
  // Audits.
  'audit: --region past the image': { argv: audit('--region', '0,0,20,20'), code: 2, stderr: /--region 0,0,20,20 reaches past the 8x8 input/ },
  'audit: --border covering the image': { argv: audit('--border', '4'), code: 2 },
  'audit: --corner over 0.5': { argv: audit('--corner', '0.9'), code: 2, beforeLoad: true },
  'audit: --shifted-truth without --shifted': { argv: audit('--shifted-truth', p('labels.txt')), code: 2, beforeLoad: true },
  'audit: missing data': { argv: () => ['audit', '--model', 'corner.onnx', '--data', p('nope'), '--out', p('audit-out')], code: 3, beforeLoad: true },
  // The audit's state folder is its own (it resumes from there once the data is fixed).
  'audit: NaN in a .npy dataset': {
    argv: () => ['audit', '--model', 'corner.onnx', '--data', p('nan.npy'), '--method', 'gradient', '--chunk-size', '1', '--out', p('audit-out')],
    code: 3,
    stderr: /nan\.npy holds NaN at \[1, 2, 3, 0\]/,
    writes: ['audit-out'],
  },
  'audit: a bomb in the dataset': { argv: () => ['audit', '--model', 'corner.onnx', '--data', p('bomb.png'), '--out', p('audit-out')], code: 3, stderr: /megapixels/ },
  "audit: --out holds a user's files": {
    argv: () => [...audit()().slice(0, -2), '--out', p('thesis')],
    code: 10,
    stderr: /exists and is not a salience audit output/,
    beforeLoad: true,
  },
  "audit: another audit holds the folder's lock": {
    argv: () => [...audit()().slice(0, -2), '--out', p('locked')],
    code: 10,
    stderr: new RegExp(`Another audit \\(process ${process.ppid}, started earlier\\) is working in --out`),
  },
  'audit: a model that gives NaN logits': {
    argv: audit(),
    model: 'nan-logits',
    code: 12,
    stderr: /Model corner on the data data: NaN or infinite logits for img-00, img-01\. .*--allow-nonfinite/,
    writes: ['audit-out'],
  },
  'audit: infinite gradients, allowed': {
    argv: audit('--allow-nonfinite'),
    model: 'inf-gradients',
    code: 0,
    stderr: /note: Model corner on the data data: gradient gave NaN or infinite values for img-00, img-01\./,
    writes: ['audit-out'],
  },
  'layers: --layout NCHW on an NHWC model': { argv: () => ['layers', '--model', 'corner.onnx', '--layout', 'NCHW'], code: 2, stderr: /--layout NCHW contradicts/ },
  'layers: a missing model': { argv: () => ['layers', '--model', p('nope.onnx')], model: 'real', code: 4 },
};

describe("the bad-input suite: exit status, and nothing outside the run's own files changes", () => {
  it('has at least 60 cases', () => {
    expect(Object.keys(CASES).length).toBeGreaterThanOrEqual(60);
  });

  it.each(Object.entries(CASES))('%s', async (_name, c) => {
    const before = treeSnapshot(tmp.dir);
    const loaders = { corner: cornerLoader(), 'nan-logits': brokenLoader('logits'), 'inf-gradients': brokenLoader('gradients') };
    const loader = c.model === 'real' ? undefined : counting(loaders[c.model ?? 'corner']);
    const run = await salience(c.argv(images()), loader ? { loadModel: loader } : {});
    expect({ code: run.code, stderr: run.stderr }).toMatchObject({ code: c.code });
    if (c.stderr) expect(run.stderr).toMatch(c.stderr);
    if (c.code !== 0) expect(run.stderr).toMatch(/^(salience: |error: |note: )/m);
    if (c.beforeLoad && loader) expect(loader.loads).toBe(0);
    expect(treeChanges(before, treeSnapshot(tmp.dir), c.writes ?? [])).toEqual([]);
    for (const folder of c.writes ?? []) rmSync(p(folder), { recursive: true, force: true });
  });

  it("--overwrite writes beside a user's files and never touches them", async () => {
    mkdirSync(p('shared'));
    writeFileSync(p('shared', 'thesis.tex'), 'mine');
    const before = treeSnapshot(tmp.dir);
    const first = await salience(explain()(images()).slice(0, -2).concat('--out', p('shared'), '--overwrite'), { loadModel: cornerLoader() });
    expect(first.code).toBe(0);
    const again = await salience(['explain', '--model', 'corner.onnx', '--input', ...images(), '--method', 'occlusion', '--out', p('shared'), '--overwrite'], {
      loadModel: cornerLoader(),
    });
    expect(again.code).toBe(0);
    const after = treeSnapshot(tmp.dir);
    expect(after.get('shared/thesis.tex')).toBe(before.get('shared/thesis.tex'));
    // The first run's gradient.npy is gone (its manifest listed it); the second run's files are there.
    const files = [...after.keys()].filter((k) => k.startsWith('shared/')).map((k) => k.slice('shared/'.length));
    expect(files).toContain('occlusion.npy');
    expect(files).not.toContain('gradient.npy');
    expect(treeChanges(before, after, ['shared'])).toEqual([]);
  });
});
