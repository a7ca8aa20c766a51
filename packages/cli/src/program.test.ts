import { describe, expect, it } from 'vitest';
import type { AuditRequest, ExplainRequest } from './commands/settings.js';
import { parseTarget } from './methods/option-values.js';
import { auditRequest, buildProgram, explainRequest, type Invocation } from './program.js';

/** Parses a `salience <command>` line the way the program does and returns its invocation. */
async function invocationOf(command: Invocation['command'], argv: string[]): Promise<Invocation> {
  let invocation: Invocation | undefined;
  const program = buildProgram((i) => {
    invocation = i;
  }, '0.0.0');
  const silent = { writeOut: () => {}, writeErr: () => {} };
  program.configureOutput(silent);
  for (const c of program.commands) c.configureOutput(silent);
  await program.parseAsync([command, ...argv], { from: 'user' });
  if (invocation?.command !== command) throw new Error(`not a ${command} invocation`);
  return invocation;
}

/** Parses an `explain` command line and returns the checked request. */
async function request(...argv: string[]): Promise<ExplainRequest> {
  const invocation = await invocationOf('explain', argv);
  if (invocation.command !== 'explain') throw new Error('not an explain invocation');
  return explainRequest(invocation.flags);
}

/** Parses an `audit` command line and returns the checked request. */
async function audit(...argv: string[]): Promise<AuditRequest> {
  const invocation = await invocationOf('audit', argv);
  if (invocation.command !== 'audit') throw new Error('not an audit invocation');
  return auditRequest(invocation.flags);
}

describe('salience explain options', () => {
  it('has the defaults of the main job: built-in model, every method, predicted target, ./salience-report', async () => {
    const r = await request();
    expect(r).toMatchObject({ model: undefined, inputs: [], methods: undefined, target: 'predicted', objective: 'logit', out: 'salience-report', overlays: true });
    expect(Object.values(r.flags ?? {}).every((v) => v === undefined)).toBe(true);
  });

  it('parses the scripted ONNX forms exactly', async () => {
    const gradient = await request('--model', 'M.onnx', '--input', 'X.npy', '--target', '3,1,4', '--method', 'gradient', '--signed', '--out', 'D');
    expect(gradient).toMatchObject({ model: 'M.onnx', inputs: ['X.npy'], target: '3,1,4', methods: ['gradient'], out: 'D' });
    expect(gradient.flags?.variant).toBe('signed');
    const ig = await request('--model', 'M.onnx', '--input', 'X.npy', '--method', 'ig', '--steps', '50', '--quadrature', 'gausslegendre', '--out', 'D');
    expect(ig.flags).toMatchObject({ steps: 50, quadrature: 'gausslegendre' });
    const cam = await request('--model', 'M.onnx', '--input', 'X.npy', '--method', 'gradcam', '--layer', '/c3/Conv_output_0', '--upsample', 'bilinear', '--out', 'D');
    expect(cam.flags).toMatchObject({ layer: '/c3/Conv_output_0', upsample: 'bilinear' });
    const occ = await request('--model', 'M.onnx', '--input', 'X.npy', '--method', 'occlusion', '--window', '4', '--stride', '4', '--out', 'D');
    expect(occ.flags).toMatchObject({ window: 4, stride: 4 });
  });

  it('collects methods from commas and repeats, by name or alias, and several inputs', async () => {
    const r = await request('-m', 'gradient,integrated-gradients', '--method', 'grad-cam', '-i', 'a.png', 'b.png', '-i', 'dir');
    expect(r.methods).toEqual(['gradient', 'ig', 'gradcam']);
    expect(r.inputs).toEqual(['a.png', 'b.png', 'dir']);
  });

  it('parses method, preprocessing and runtime values', async () => {
    const r = await request(
      ...['--stdev', '20%', '--samples', '8', '--statistic', 'variance', '--window', '1,4,4', '--stride', '2x2', '--baseline', 'blur'],
      ...['--resize', 'h=160,w=224', '--mean', '0.485,0.456,0.406', '--std', '0.229,0.224,0.225', '--range', '-1,1', '--channels', 'bgr'],
      ...['--layout', 'nchw', '--backend', 'cpu', '--batch-size', '16', '--seed', '7', '--objective', 'log-probability', '--no-relu', '--upsample', 'none'],
    );
    expect(r.flags).toMatchObject({
      stdev: { relative: 0.2 },
      samples: 8,
      statistic: 'variance',
      window: [1, 4, 4],
      stride: [2, 2],
      baseline: 'blur',
      relu: false,
      upsample: 'none',
    });
    expect(r.preprocessing).toEqual({ resize: [160, 224], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], range: [-1, 1], channels: 'bgr' });
    expect(r).toMatchObject({ layout: 'NCHW', backend: 'cpu', batchSize: 16, seed: 7, objective: 'log-probability' });
    expect((await request('--baseline', 'ref.npy')).baselineFile).toBe('ref.npy');
    expect((await request('--baseline', '0.5')).flags?.baseline).toBe(0.5);
    expect((await request('--stdev', '0.3')).flags?.stdev).toBe(0.3);
  });

  it.each([
    [['--steps', 'many'], /--steps must be an integer >= 1; got 'many'/],
    [['--steps', '0'], /--steps must be an integer >= 1/],
    [['--quadrature', 'simpson'], /--quadrature must be one of gauss-legendre, gausslegendre, riemann-left/],
    [['--method', 'deconv-lime'], /Unknown method 'deconv-lime'; use one of gradient, smoothgrad, ig, gradcam, occlusion, hirescam/],
    [['--signed', '--variant', 'absolute'], /--signed and --variant absolute contradict each other/],
    [['--variant', 'squared'], /--variant must be one of absolute, signed, input-x-gradient/],
    [['--upsample', 'bicubic'], /--upsample must be one of bilinear, nearest, none/],
    [['--resize', '0'], /--resize must be an integer >= 1/],
    [['--range', '1,0'], /--range must be LOW,HIGH with LOW < HIGH/],
    [['--stdev', '-1'], /--stdev must be >= 0/],
    [['--baseline', 'noise'], /--baseline must be zero, a number, blur, uniform \(ig\), mean \(occlusion\) or a \.npy file; got 'noise'/],
    [['--backend', 'webgl'], /--backend must be one of wasm, cpu, tensorflow/],
    [['--model', 'm.onnx', '--backend', 'cpu'], /--backend chooses the TensorFlow.js backend; ONNX models run on ONNX Runtime/],
    [['--objective', 'loss'], /--objective must be one of logit, probability, log-probability/],
    [['--layout', 'NTC'], /--layout must be one of NCHW, NHWC, NC/],
  ])('rejects %j with a usage error', async (argv, message) => {
    const error = await request(...argv).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ kind: 'usage', exitCode: 2 });
    expect((error as Error).message).toMatch(message);
  });
});

describe('parseTarget', () => {
  it('reads every form, with class names when labels are known', () => {
    expect(parseTarget('predicted')).toBe('predicted');
    expect(parseTarget('top3')).toEqual({ topK: 3 });
    expect(parseTarget('3')).toBe(3);
    expect(parseTarget('3,1,4')).toEqual([3, 1, 4]);
    expect(parseTarget('classes:3,5')).toEqual({ classes: [3, 5] });
    const names = ['T-shirt/top', 'Trouser', 'Pullover'];
    expect(parseTarget('trouser', names)).toBe(1);
    expect(parseTarget('classes:Pullover,0', names)).toEqual({ classes: [2, 0] });
  });

  it('names the unknown class and the known ones', () => {
    expect(() => parseTarget('Sock', ['Shoe'])).toThrow(/'Sock' is not a class index or a class name. Known class names: Shoe/);
    expect(() => parseTarget('Sock')).toThrow(/Class names need --labels/);
    expect(() => parseTarget('top0')).toThrow(/k must be at least 1/);
  });
});

describe('salience audit options', () => {
  it('has the defaults: built-in model, gradient and Grad-CAM (chosen later), predicted class, ./salience-audit', async () => {
    const r = await audit('--data', 'd/');
    expect(r).toMatchObject({
      model: undefined,
      compareModel: undefined,
      data: ['d/'],
      methods: undefined,
      explain: 'predicted',
      objective: 'logit',
      out: 'salience-audit',
      fresh: false,
    });
    expect(r.chunkSize).toBeUndefined();
    expect(Object.values(r.flags ?? {}).every((v) => v === undefined)).toBe(true);
  });

  it('parses datasets, regions, chunks and the method options it shares with explain', async () => {
    const r = await audit(
      ...['--model', 'a.onnx', '--compare-model', 'b.onnx', '-d', 'x.npy', 'y.npy', '--truth', 't.csv', '--shifted', 's/', '--shifted-truth', 's.txt'],
      ...['--method', 'gradient,grad-cam', '--layer', 'relu_2', '--compare-layer', 'c3', '--signed', '--explain', 'label'],
      ...['--region', '2,3,20,24', '--border', '2', '--corner', '0.2', '--chunk-size', '32', '--top', '5', '--fresh', '--batch-size', '16', '--resize', '28'],
    );
    expect(r).toMatchObject({
      model: 'a.onnx',
      compareModel: 'b.onnx',
      data: ['x.npy', 'y.npy'],
      truth: 't.csv',
      shifted: ['s/'],
      shiftedTruth: 's.txt',
      methods: ['gradient', 'gradcam'],
      compareLayer: 'c3',
      explain: 'label',
      region: { top: 2, left: 3, bottom: 20, right: 24 },
      border: 2,
      corner: 0.2,
      chunkSize: 32,
      top: 5,
      fresh: true,
      batchSize: 16,
    });
    expect(r.flags).toMatchObject({ layer: 'relu_2', variant: 'signed' });
    expect(r.preprocessing?.resize).toEqual([28, 28]);
  });

  it.each([
    [['--region', '1,2,3'], /--region must be top,left,bottom,right in pixels/],
    [['--region', '5,0,5,9'], /--region must have bottom > top and right > left/],
    [['--corner', '0'], /--corner must be a fraction of each side in \(0, 0\.5\]/],
    [['--corner', 'big'], /--corner must be a number/],
    [['--border', '0'], /--border must be an integer >= 1/],
    [['--chunk-size', '0'], /--chunk-size must be an integer >= 1/],
    [['--explain', 'target'], /--explain must be one of predicted, label/],
    [['--shifted-truth', 's.txt'], /--shifted-truth needs --shifted/],
    [['--compare-layer', 'c3'], /--compare-layer needs --compare-model/],
    [['--model', 'a.onnx', '--compare-model', 'b.onnx', '--backend', 'cpu'], /--backend chooses the TensorFlow.js backend/],
  ])('rejects %j with a usage error', async (argv, message) => {
    const error = await audit('--data', 'd/', ...argv).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ kind: 'usage', exitCode: 2 });
    expect((error as Error).message).toMatch(message);
  });

  it('takes --backend when one of the models is a tfjs model', async () => {
    expect((await audit('--data', 'd/', '--model', 'a.onnx', '--compare-model', 'web/model.json', '--backend', 'cpu')).backend).toBe('cpu');
  });
});
