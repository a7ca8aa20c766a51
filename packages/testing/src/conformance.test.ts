import type { Model, ModelOutputs, ModelRequest, OutputName, TensorData } from '@salience/core';
import { CORE_VERSION, createRng } from '@salience/core';
import { describe, expect, it } from 'vitest';
import type { ConformanceSubject } from './conformance.js';
import {
  ConformanceError,
  checkBatching,
  checkDescription,
  checkDeterminism,
  checkDispose,
  checkGradientObjective,
  checkHonoursAbort,
  checkInputGradientShape,
  checkLayerGradientObjective,
  checkLayerGradientValues,
  checkLayerOutputs,
  checkNoLeaks,
  checkNoMutation,
  checkPluginStamp,
  checkRejectsBadInput,
  checkRejectsBadTargets,
  checkRejectsUnknownLayer,
  checkRejectsUnknownObjective,
  checkRequiresTarget,
  checkTargets,
  checkUndeclaredOutputs,
  describeModelConformance,
  planConformance,
} from './conformance.js';
import { createForwardOnlyModel, createImageModel, createTabularModel, createTokenModel } from './index.js';

function randomInput(shape: number[], seed: number): TensorData {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  createRng(seed).fillNormal(data);
  return { data, shape };
}

describeModelConformance('tabular fake', () => {
  const model = createTabularModel();
  return { model, input: randomInput([4, 6], 1), layer: 'hidden', liveTensors: () => model.liveAllocations };
});

describeModelConformance('image fake (NCHW)', () => {
  const model = createImageModel({ layout: 'NCHW' });
  return { model, input: randomInput([3, 3, 6, 5], 2), layer: 'features', layerIsCut: true, liveTensors: () => model.liveAllocations };
});

describeModelConformance('image fake (NHWC)', () => {
  const model = createImageModel({ layout: 'NHWC' });
  return { model, input: randomInput([3, 6, 5, 3], 3), layer: 'pooled', layerIsCut: true, liveTensors: () => model.liveAllocations };
});

describeModelConformance('token fake', () => {
  const model = createTokenModel();
  const ids = Float32Array.from([3, 7, 1, 12, 0, 0, 5, 5, 9, 2, 15, 0, 1, 2, 3, 4, 5, 6]);
  return { model, input: { data: ids, shape: [3, 6] }, layer: 'hidden', layerIsCut: true, liveTensors: () => model.liveAllocations };
});

describeModelConformance('forward-only fake', () => {
  const model = createForwardOnlyModel();
  return { model, input: randomInput([3, 6], 4), liveTensors: () => model.liveAllocations };
});

// ---------------------------------------------------------------------------------------------
// The suite must catch broken adapters: each wrapper below breaks one promise of the contract, and
// the check for that promise must fail on it while passing on the healthy model.

type Outputs = Partial<ModelOutputs>;

interface Breakage {
  capabilities?: ReadonlySet<OutputName>;
  request?: (request: ModelRequest) => ModelRequest;
  result?: (outputs: Outputs, request: ModelRequest) => Outputs;
  run?: (request: ModelRequest, inner: Model) => Promise<Outputs>;
  dispose?: (inner: Model) => void;
}

function broken(inner: Model, how: Breakage): Model {
  return {
    layout: inner.layout,
    inputShape: inner.inputShape,
    capabilities: how.capabilities ?? inner.capabilities,
    layers: () => inner.layers(),
    async run<K extends OutputName>(request: ModelRequest<K>): Promise<Pick<ModelOutputs, K>> {
      if (how.run) return (await how.run(request, inner)) as Pick<ModelOutputs, K>;
      const asked = how.request ? how.request(request) : request;
      const out = (await inner.run(asked)) as Outputs;
      return (how.result ? how.result(out, request) : out) as Pick<ModelOutputs, K>;
    },
    dispose: () => (how.dispose ? how.dispose(inner) : inner.dispose()),
  };
}

function mapOutput(name: OutputName, f: (t: TensorData) => TensorData): (out: Outputs) => Outputs {
  return (out) => (out[name] ? { ...out, [name]: f(out[name] as TensorData) } : out);
}

const negate = (t: TensorData): TensorData => ({ data: t.data.map((v) => -v), shape: [...t.shape] });

function tabularSubject(model: Model = createTabularModel()): ConformanceSubject {
  return { model, input: randomInput([4, 6], 1), layer: 'hidden' };
}

function imageSubject(model: Model = createImageModel()): ConformanceSubject {
  return { model, input: randomInput([3, 3, 6, 5], 2), layer: 'features', layerIsCut: true };
}

function tokenSubject(model: Model = createTokenModel()): ConformanceSubject {
  const ids = Float32Array.from([3, 7, 1, 12, 0, 0, 5, 5, 9, 2, 15, 0, 1, 2, 3, 4, 5, 6]);
  return { model, input: { data: ids, shape: [3, 6] }, layer: 'hidden', layerIsCut: true };
}

/** The check passes on the healthy subject and fails, with a message matching `why`, on the broken one. */
async function expectCaught(check: (s: ConformanceSubject) => Promise<void>, healthy: ConformanceSubject, sick: ConformanceSubject, why: RegExp) {
  await expect(check(healthy)).resolves.toBeUndefined();
  const error = await check(sick).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConformanceError);
  expect((error as Error).message).toMatch(why);
}

describe('the conformance checks catch broken adapters', () => {
  it('a gradient of the wrong shape', async () => {
    const sick = broken(createTabularModel(), {
      result: mapOutput('inputGradients', (t) => ({ data: t.data, shape: [t.data.length] })),
    });
    await expectCaught(checkInputGradientShape, tabularSubject(), tabularSubject(sick), /inputGradients have shape \[24\]; expected the input's shape \[4, 6\]/);
  });

  it('a gradient with its sign flipped', async () => {
    const sick = broken(createImageModel(), { result: mapOutput('inputGradients', negate) });
    await expectCaught((s) => checkGradientObjective(s, 'logit'), imageSubject(), imageSubject(sick), /disagree with finite differences.*\n.*gradient's own direction/);
  });

  it('a gradient off by a factor of 1.1', async () => {
    const scale = (t: TensorData) => ({ data: t.data.map((v) => 1.1 * v), shape: [...t.shape] });
    const sick = broken(createTabularModel(), { result: mapOutput('inputGradients', scale) });
    await expectCaught((s) => checkGradientObjective(s, 'log-probability'), tabularSubject(), tabularSubject(sick), /log-probability/);
  });

  it('a layer gradient with its sign flipped (finite differences through a cut layer)', async () => {
    const sick = broken(createImageModel(), { result: mapOutput('layerGradients', negate) });
    await expectCaught(checkLayerGradientValues, imageSubject(), imageSubject(sick), /layerGradients of 'features'.*disagree with finite differences through the layer/);
  });

  it('an objective that is ignored', async () => {
    const sick = broken(createTabularModel(), { request: (r) => ({ ...r, objective: 'logit' }) });
    await expectCaught((s) => checkGradientObjective(s, 'probability'), tabularSubject(), tabularSubject(sick), /objective 'probability'/);
    await expectCaught((s) => checkLayerGradientObjective(s, 'cross-entropy-labels'), tabularSubject(), tabularSubject(sick), /chain rule|sum_c/);
  });

  it('embeddings that are ignored when given', async () => {
    const sick = broken(createTokenModel(), { request: (r) => ({ ...r, embeddings: undefined }) });
    await expectCaught((s) => checkGradientObjective(s, 'logit'), tokenSubject(), tokenSubject(sick), /embeddingGradients/);
  });

  it('targets that are ignored in favour of the prediction', async () => {
    const sick = broken(createTabularModel(), { request: (r) => (r.target === undefined ? r : { ...r, target: 'predicted' }) });
    await expectCaught(checkTargets, tabularSubject(), tabularSubject(sick), /seems to ignore the target/);
  });

  it('targets that are ignored in favour of class 0', async () => {
    const sick = broken(createImageModel(), { request: (r) => (r.target === undefined ? r : { ...r, target: 0 }) });
    await expectCaught(checkTargets, imageSubject(), imageSubject(sick), /ignore the target|'predicted' differs/);
    await expectCaught((s) => checkGradientObjective(s, 'logit'), imageSubject(), imageSubject(sick), /disagree with finite differences/);
  });

  it("per-example targets that all take the first example's class", async () => {
    const first = (r: ModelRequest): ModelRequest => (typeof r.target === 'object' && r.target !== null ? { ...r, target: r.target[0] } : r);
    const sick = broken(createTabularModel(), { request: first });
    await expectCaught(checkTargets, tabularSubject(), tabularSubject(sick), /per-example array differs/);
  });

  it('an adapter that leaks one tensor per call', async () => {
    let live = 0;
    const sick = broken(createTabularModel(), {
      run: (r, inner) => {
        live++;
        return inner.run(r);
      },
    });
    const healthy = createTabularModel();
    await expectCaught(
      checkNoLeaks,
      { ...tabularSubject(healthy), liveTensors: () => healthy.liveAllocations },
      { ...tabularSubject(sick), liveTensors: () => live },
      /logits \(answered\): \d+ -> \d+/,
    );
  });

  it('an adapter that leaks only when it rejects a request', async () => {
    let live = 0;
    const sick = broken(createTabularModel(), {
      run: async (r, inner) => {
        live++;
        const out = await inner.run(r);
        live--;
        return out;
      },
    });
    const healthy = createTabularModel();
    const error = await checkNoLeaks({ ...tabularSubject(sick), liveTensors: () => live }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(ConformanceError);
    expect((error as Error).message).toMatch(/a misshapen input \(rejected\)/);
    expect((error as Error).message).not.toMatch(/\(answered\)/);
    await expect(checkNoLeaks({ ...tabularSubject(healthy), liveTensors: () => healthy.liveAllocations })).resolves.toBeUndefined();
  });

  it('outputs that depend on the other rows of the batch', async () => {
    // Like BatchNorm left in training mode: the batch mean is subtracted from the logits.
    const centre = (t: TensorData) => {
      const [rows, classes] = t.shape as [number, number];
      const data = Float32Array.from(t.data);
      for (let c = 0; c < classes; c++) {
        let mean = 0;
        for (let r = 0; r < rows; r++) mean += t.data[r * classes + c]! / rows;
        for (let r = 0; r < rows; r++) data[r * classes + c]! -= mean;
      }
      return { data, shape: [...t.shape] };
    };
    const sick = broken(createTabularModel(), { result: mapOutput('logits', centre) });
    await expectCaught(checkBatching, tabularSubject(), tabularSubject(sick), /depend on how the examples are batched[\s\S]*logits one example at a time/);
  });

  it('numbers that change from one call to the next', async () => {
    let call = 0;
    const jitter = (t: TensorData) => {
      const shift = 1e-6 * (++call % 2);
      return { data: t.data.map((v) => v + shift), shape: [...t.shape] };
    };
    const sick = broken(createTabularModel(), { result: mapOutput('logits', jitter) });
    await expectCaught(checkDeterminism, tabularSubject(), tabularSubject(sick), /logits differs between two identical requests/);
  });

  it("an adapter that writes into the caller's input", async () => {
    const sick = broken(createTabularModel(), {
      run: async (r, inner) => {
        const out = await inner.run(r);
        if (r.outputs.includes('inputGradients')) (r.input.data as Float32Array)[0]! += 1;
        return out;
      },
    });
    await expectCaught(checkNoMutation, tabularSubject(), tabularSubject(sick), /changed the caller's data/);
  });

  it('an output answered although it is not declared', async () => {
    const inner = createTabularModel();
    const sick = broken(inner, { capabilities: new Set<OutputName>(['logits']) });
    await expectCaught(
      checkUndeclaredOutputs,
      { model: createForwardOnlyModel(), input: randomInput([3, 6], 4) },
      { model: sick, input: randomInput([3, 6], 4) },
      /'inputGradients' is not declared.*was answered instead of rejected with code 'MISSING_CAPABILITY'/,
    );
  });

  it('errors that are not the typed errors of core', async () => {
    const sick = broken(createTabularModel(), {
      run: async (r, inner) => {
        try {
          return await inner.run(r);
        } catch (error) {
          throw new Error((error as Error).message);
        }
      },
    });
    await expectCaught(checkRejectsBadInput, tabularSubject(), tabularSubject(sick), /expected an error with code 'INVALID_SHAPE'.*got Error \(code undefined\)/);
    await expectCaught(checkRejectsBadTargets, tabularSubject(), tabularSubject(sick), /INVALID_TARGET/);
    await expectCaught(checkRequiresTarget, tabularSubject(), tabularSubject(sick), /without a target/);
    await expectCaught(checkRejectsUnknownObjective, tabularSubject(), tabularSubject(sick), /INVALID_OPTION/);
  });

  it('a target out of range that is clamped instead of rejected', async () => {
    const clamp = (r: ModelRequest): ModelRequest => (typeof r.target === 'number' ? { ...r, target: Math.min(Math.max(0, Math.round(r.target)), 2) } : r);
    const sick = broken(createTabularModel(), { request: clamp });
    await expectCaught(checkRejectsBadTargets, tabularSubject(), tabularSubject(sick), /class 3 of 3.*answered instead of rejected/);
  });

  it('an unknown layer error that does not list the layers', async () => {
    const sick = broken(createImageModel(), {
      run: async (r, inner) => {
        if (r.layer !== undefined && !inner.layers().some((l) => l.name === r.layer)) {
          throw Object.assign(new Error('no such layer'), { code: 'UNKNOWN_LAYER' });
        }
        return inner.run(r);
      },
    });
    await expectCaught(checkRejectsUnknownLayer, imageSubject(), imageSubject(sick), /must list the model's layers in 'available'/);
  });

  it('an aborted signal that is ignored', async () => {
    const sick = broken(createTabularModel(), { request: (r) => ({ ...r, signal: undefined }) });
    await expectCaught(checkHonoursAbort, tabularSubject(), tabularSubject(sick), /aborted signal.*answered instead of rejected with code 'ABORTED'/);
  });

  it('a disposed model that still answers', async () => {
    const sick = () => tabularSubject(broken(createTabularModel(), { dispose: () => {} }));
    await expect(checkDispose(() => tabularSubject())).resolves.toBeUndefined();
    await expect(checkDispose(sick)).rejects.toThrow(/A disposed model answered a request/);
  });

  it('layer activations whose shape disagrees with layers()', async () => {
    const inner = createImageModel();
    const sick: Model = { ...broken(inner, {}), layers: () => inner.layers().map((l) => ({ ...l, outputShape: [null, 9, 9, 9] })) };
    await expectCaught(checkLayerOutputs, imageSubject(), imageSubject(sick), /layerActivations of 'features' have shape \[3, 4, 6, 5\]; layers\(\) says \[\?, 9, 9, 9\]/);
  });

  it('an adapter built against another major of core', async () => {
    const stamped = (coreVersion: string): Model => Object.assign(createTabularModel(), { plugin: { name: '@acme/salience-adapter', coreVersion } });
    await expectCaught(
      checkPluginStamp,
      tabularSubject(stamped(CORE_VERSION)),
      tabularSubject(stamped('0.0.9')),
      /@acme\/salience-adapter was built against @salience\/core 0\.0\.9/,
    );
    expect((await planConformance(tabularSubject(stamped(CORE_VERSION)))).groups[0]!.checks.map((c) => c.name)).toContain(
      'was built against this major of @salience/core (@acme/salience-adapter)',
    );
  });

  it('a subject whose input does not fit the model', async () => {
    await expect(checkDescription({ ...tabularSubject(), input: randomInput([2, 6], 1) })).rejects.toThrow(/at least 3/);
    await expect(checkDescription({ ...tabularSubject(), layer: 'nope' })).rejects.toThrow(/'nope' is not in layers\(\): hidden/);
  });
});

describe('planConformance', () => {
  it('registers only what the capabilities allow and says what it left out', async () => {
    const forward = await planConformance({ model: createForwardOnlyModel(), input: randomInput([3, 6], 4) });
    expect(forward.groups.map((g) => g.name)).toEqual(['interface', 'running from a layer', 'batching and determinism', 'errors', 'inputs']);
    expect(forward.notRegistered.join('\n')).toMatch(/targets: the model declares no gradient output[\s\S]*leaks: no liveTensors given[\s\S]*dispose: no setup/);
    const tabular = await planConformance({ model: createTabularModel(), input: randomInput([3, 6], 4) });
    expect(tabular.groups.map((g) => g.name)).not.toContain("layer 'hidden'");
    expect(tabular.notRegistered.join('\n')).toMatch(/layer outputs: no subject.layer given/);
    expect(tabular.coverage).toMatchObject({ logits: 'interface', inputGradients: 'input gradients', layerActivations: expect.stringMatching(/errors only/) });
    const tokens = await planConformance(tokenSubject());
    expect(tokens.groups.map((g) => g.name)).toEqual(expect.arrayContaining(['embeddings', 'embedding gradients', "layer 'hidden'"]));
    expect(tokens.groups.flatMap((g) => g.checks.map((c) => c.name))).toContain('layerGradients match finite differences through the layer');
  });
});
