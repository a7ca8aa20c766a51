import {
  AbortError,
  CapabilityError,
  type LayerInfo,
  type Layout,
  type Model,
  type ModelOutputs,
  type ModelRequest,
  OptionError,
  type OutputName,
  rowTargets,
  ShapeError,
  type TensorData,
  UnknownLayerError,
} from '@salience/core';
import { describe, expect, it } from 'vitest';
import { gradCam, gradCamPlusPlus } from './grad-cam.js';

// A stub whose layer 'conv' returns a fixed 2x2 map of three channels for every row (see
// class-activation-map.test.ts for the hand computation), on a 4x4 input:
//   Grad-CAM weights (1, 0, -1): map [-1, 0, 1, 2], relu [0, 0, 1, 2];
//   Grad-CAM++ weights (1/3, 1/4, 0): map [1/3, 11/12, 1, 19/12].
// The gradient is scaled by (target + 1), so each class gets its own map.
const A = [
  [1, 2, 3, 4],
  [0, 1, 0, 1],
  [2, 2, 2, 2],
];
const G = [
  [1, 1, 1, 1],
  [1, 0, -1, 0],
  [-1, -1, -1, -1],
];

class StubModel implements Model {
  readonly inputShape: readonly (number | null)[];
  readonly capabilities: ReadonlySet<OutputName> = new Set<OutputName>(['logits', 'layerActivations', 'layerGradients']);
  readonly requests: ModelRequest[] = [];

  constructor(
    readonly layout: Layout,
    private readonly layerList: readonly LayerInfo[] = STUB_LAYERS,
  ) {
    this.inputShape = layout === 'NCHW' ? [null, 1, 4, 4] : [null, 4, 4, 1];
  }

  layers(): readonly LayerInfo[] {
    return this.layerList;
  }

  async run<K extends OutputName>(request: ModelRequest<K>): Promise<Pick<ModelOutputs, K>> {
    this.requests.push(request as ModelRequest);
    const rows = request.input.shape[0]!;
    // Logits: class c scores c + sum(input), so 'predicted' is the last class.
    const logits: TensorData = { data: new Float32Array(rows * 3), shape: [rows, 3] };
    for (let r = 0; r < rows; r++) for (let c = 0; c < 3; c++) logits.data[r * 3 + c] = c;
    const out: Partial<ModelOutputs> = { logits };
    if (request.outputs.includes('layerGradients' as K)) {
      const targets = rowTargets(request.target, rows, logits);
      out.layerActivations = this.stack(rows, () => 1);
      out.layerGradients = this.stack(rows, (r) => targets[r]! + 1, true);
    }
    return out as Pick<ModelOutputs, K>;
  }

  private stack(rows: number, scale: (r: number) => number, gradients = false): TensorData {
    const source = gradients ? G : A;
    const data = new Float32Array(rows * 12);
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < 3; k++) {
        for (let p = 0; p < 4; p++) {
          const at = this.layout === 'NCHW' ? k * 4 + p : p * 3 + k;
          data[r * 12 + at] = source[k]![p]! * scale(r);
        }
      }
    }
    return { data, shape: this.layout === 'NCHW' ? [rows, 3, 2, 2] : [rows, 2, 2, 3] };
  }

  dispose(): void {}
}

const STUB_LAYERS: LayerInfo[] = [
  { name: 'conv', kind: 'Conv2D', outputShape: [null, 2, 2, 3], spatial: true },
  { name: 'pool', kind: 'AveragePooling2D', outputShape: [null, 1, 1, 3], spatial: true },
  { name: 'fc', kind: 'Dense', outputShape: [null, 3], spatial: false },
];

const image = (rows = 1): TensorData => ({ data: new Float32Array(rows * 16).fill(0.5), shape: [rows, 1, 4, 4] });
const imageNhwc = (rows = 1): TensorData => ({ data: new Float32Array(rows * 16).fill(0.5), shape: [rows, 4, 4, 1] });

function close(actual: Float32Array | number[], expected: number[], digits = 6): void {
  expect(actual.length).toBe(expected.length);
  Array.from(actual).forEach((v, i) => {
    expect(v, `value ${i}`).toBeCloseTo(expected[i]!, digits);
  });
}

describe('on a hand-computed stub', () => {
  it.each(['NCHW', 'NHWC'] as const)('Grad-CAM at layer resolution, %s', async (layout) => {
    const model = new StubModel(layout);
    const input = layout === 'NCHW' ? image() : imageNhwc();
    const result = await gradCam.attribute(model, input, { target: 0, resolution: 'layer' });
    expect(result.values.shape).toEqual([1, 2, 2]);
    expect(result.layout).toBe('NHW');
    close(result.values.data, [0, 0, 1, 2]);
    const raw = await gradCam.attribute(model, input, { target: 0, resolution: 'layer', relu: false });
    close(raw.values.data, [-1, 0, 1, 2]);
    expect(model.requests.at(-1)).toMatchObject({ layer: 'conv', outputs: ['layerActivations', 'layerGradients'] });
  });

  it.each(['NCHW', 'NHWC'] as const)('Grad-CAM++ at layer resolution, %s', async (layout) => {
    const model = new StubModel(layout);
    const result = await gradCamPlusPlus.attribute(model, layout === 'NCHW' ? image() : imageNhwc(), { target: 0, resolution: 'layer' });
    expect(result.method).toBe('grad-cam++');
    close(result.values.data, [1 / 3, 11 / 12, 1, 19 / 12]);
  });

  it('gradients twice as large: Grad-CAM doubles, Grad-CAM++ changes through alpha = 1 / (2 + sum(A) g)', async () => {
    const model = new StubModel('NCHW');
    const plain = await gradCam.attribute(model, image(), { target: { classes: [0, 1] }, resolution: 'layer' });
    expect(Array.from(plain.values.data.subarray(4))).toEqual(Array.from(plain.values.data.subarray(0, 4), (v) => 2 * v));
    // Class 1, g = 2: channel 0 has 4 x 2 / (2 + 10 x 2) = 4/11, channel 1 has 2 / (2 + 2 x 2) = 1/3.
    const plus = await gradCamPlusPlus.attribute(model, image(), { target: { classes: [0, 1] }, resolution: 'layer' });
    expect(Array.from(plus.examples)).toEqual([0, 0]);
    expect(Array.from(plus.targets)).toEqual([0, 1]);
    close(plus.values.data, [1 / 3, 11 / 12, 1, 19 / 12, 4 / 11, 8 / 11 + 1 / 3, 12 / 11, 16 / 11 + 1 / 3]);
  });

  it('upsamples bilinearly (default) or nearest to the input size', async () => {
    const model = new StubModel('NCHW');
    // Map [[0, 0], [1, 2]]: each row blends to [r0, .75 r0 + .25 r1, .25 r0 + .75 r1, r1].
    const bilinear = await gradCam.attribute(model, image(), { target: 0 });
    expect(bilinear.values.shape).toEqual([1, 4, 4]);
    close(bilinear.values.data, [0, 0, 0, 0, 0.25, 0.3125, 0.4375, 0.5, 0.75, 0.9375, 1.3125, 1.5, 1, 1.25, 1.75, 2]);
    expect(bilinear.meta).toMatchObject({ resolution: 'input', upsample: 'bilinear', layerSize: [2, 2], normalize: 'none' });
    const nearest = await gradCam.attribute(model, image(), { target: 0, upsample: 'nearest' });
    close(nearest.values.data, [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 1, 1, 2, 2]);
  });

  it('normalizes each map with (v - min) / (max - min + 1e-8) when asked', async () => {
    const model = new StubModel('NCHW');
    const result = await gradCam.attribute(model, image(2), { target: [0, 1], normalize: 'min-max' });
    const map = [0, 0, 0, 0, 0.25, 0.3125, 0.4375, 0.5, 0.75, 0.9375, 1.3125, 1.5, 1, 1.25, 1.75, 2];
    // Both maps (class 1 is twice class 0) normalize to the same values.
    close(
      result.values.data,
      [...map, ...map].map((v) => v / (2 + 1e-8)),
    );
    const atLayer = await gradCam.attribute(model, image(), { target: 1, resolution: 'layer', normalize: 'min-max' });
    close(atLayer.values.data, [0, 0, 0.5, 1]);
  });

  it('finds the last convolution when no layer is named, and says so in meta', async () => {
    const model = new StubModel('NCHW');
    const result = await gradCam.attribute(model, image(), { target: 0, resolution: 'layer' });
    expect(result.meta).toMatchObject({ layer: 'conv', layerKind: 'Conv2D', layerChosen: 'auto', channels: 3, relu: true, upsample: null });
    expect(model.requests.every((r) => r.layer === 'conv')).toBe(true);
  });

  it("counts the logits calls that resolving 'predicted' needs, batched like the rest", async () => {
    const model = new StubModel('NCHW');
    const result = await gradCam.attribute(model, image(3), { batchSize: 2 });
    expect(Array.from(result.targets)).toEqual([2, 2, 2]);
    expect(result.meta.modelCalls).toBe(4);
    expect(model.requests.map((r) => r.outputs)).toEqual([['logits'], ['logits'], ['layerActivations', 'layerGradients'], ['layerActivations', 'layerGradients']]);
  });
});

describe('errors, before any model call', () => {
  const cases: [string, () => Model, Record<string, unknown>, new (...args: never[]) => Error, RegExp][] = [
    ['unknown layer', () => new StubModel('NCHW'), { layer: 'conv7' }, UnknownLayerError, /Unknown layer 'conv7'.*conv, pool, fc/],
    ['non-spatial layer', () => new StubModel('NCHW'), { layer: 'fc' }, OptionError, /fc \(Dense.*not a spatial feature map.*conv, pool/],
    ['no spatial layer', () => new StubModel('NCHW', [{ name: 'fc', kind: 'Dense', outputShape: [null, 3], spatial: false }]), {}, CapabilityError, /no.*spatial|none/],
    ['relu not boolean', () => new StubModel('NCHW'), { relu: 'yes' }, OptionError, /relu must be true or false/],
    ['unknown resolution', () => new StubModel('NCHW'), { resolution: 'full' }, OptionError, /resolution 'full'/],
    ['unknown upsample', () => new StubModel('NCHW'), { upsample: 'bicubic' }, OptionError, /upsample mode 'bicubic'/],
    ['upsample at layer resolution', () => new StubModel('NCHW'), { resolution: 'layer', upsample: 'nearest' }, OptionError, /only applies with resolution 'input'/],
    ['unknown normalize', () => new StubModel('NCHW'), { normalize: 'z-score' }, OptionError, /normalize 'z-score'/],
    ['bad batchSize', () => new StubModel('NCHW'), { batchSize: 0 }, OptionError, /batchSize/],
  ];

  it.each(cases)('%s', async (_, makeModel, options, type, message) => {
    const model = makeModel() as StubModel;
    const attempt = gradCam.attribute(model, image(), { target: 0, ...options });
    await expect(attempt).rejects.toThrow(type);
    await expect(gradCam.attribute(model, image(), { target: 0, ...options })).rejects.toThrow(message);
    expect(model.requests).toHaveLength(0);
  });

  it('rejects models without layer outputs, and non-image models', async () => {
    const noLayers = new StubModel('NCHW');
    Object.defineProperty(noLayers, 'capabilities', { value: new Set(['logits', 'inputGradients']) });
    await expect(gradCam.attribute(noLayers, image(), { target: 0 })).rejects.toThrow(CapabilityError);
    const tabular = new StubModel('NC' as Layout);
    await expect(gradCam.attribute(tabular, image(), { target: 0 })).rejects.toThrow(/image models.*'NC'/);
  });

  it('rejects an input of the wrong layout', async () => {
    await expect(gradCam.attribute(new StubModel('NHWC'), image(), { target: 0 })).rejects.toThrow(ShapeError);
  });

  it('reports an adapter that returns mismatched layer outputs', async () => {
    const model = new StubModel('NCHW');
    const run = model.run.bind(model);
    model.run = (async (request: ModelRequest) => {
      const out = await run(request);
      return { ...out, layerGradients: { data: new Float32Array(8), shape: [1, 2, 2, 2] } };
    }) as Model['run'];
    await expect(gradCam.attribute(model, image(), { target: 0 })).rejects.toThrow(/activations \[1, 3, 2, 2\] and gradients \[1, 2, 2, 2\]/);
  });

  it('stops at an abort between batches', async () => {
    const model = new StubModel('NCHW');
    const controller = new AbortController();
    const progress: number[] = [];
    const attempt = gradCam.attribute(model, image(5), {
      target: 0,
      batchSize: 2,
      signal: controller.signal,
      onProgress: (done) => {
        progress.push(done);
        controller.abort();
      },
    });
    await expect(attempt).rejects.toThrow(AbortError);
    expect(progress).toEqual([2]);
    expect(model.requests).toHaveLength(1);
  });
});
