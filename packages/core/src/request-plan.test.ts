import { describe, expect, it } from 'vitest';
import { AbortError, CapabilityError, GradientsUnavailableError, OptionError, ShapeError, TargetError, UnknownLayerError } from './errors.js';
import type { ModelRequest, OutputName } from './model.js';
import { checkPlanClasses, checkRandomizeRequest, type GradientPlan, logitGradient, type ModelFacts, planRequest } from './request-plan.js';
import { tensor } from './tensor.js';

const image: ModelFacts = {
  layout: 'NC',
  inputShape: [null, 3],
  capabilities: new Set<OutputName>(['logits', 'inputGradients', 'layerActivations', 'layerGradients']),
  classes: 4,
  resolveLayer: (name) => {
    if (name === 'dense' || name === 'dense/alias') return 'dense:0';
    throw new UnknownLayerError(name, ['dense']);
  },
};
const tokens: ModelFacts = {
  layout: 'tokens',
  inputShape: [null, null],
  capabilities: new Set<OutputName>(['logits', 'embeddings', 'embeddingGradients']),
  vocabulary: 10,
  embeddingWidth: 2,
  contextInputs: ['attention_mask'],
};
const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
const ids = tensor([1, 9, 0, 3], [2, 2]);
const plan = (facts: ModelFacts, request: Partial<ModelRequest>) => planRequest(facts, { input: x, outputs: ['logits'], ...request } as ModelRequest);

describe('planRequest', () => {
  it('de-duplicates outputs and plans a forward request without targets', () => {
    const p = plan(image, { outputs: ['logits', 'logits'] });
    expect(p.outputs).toEqual(['logits']);
    expect(p).toMatchObject({ gradients: false, targets: undefined, objective: undefined, rows: 2, layer: undefined });
  });

  it('plans gradients: targets per row, the objective (logit by default), the layer as the adapter names it', () => {
    const p = plan(image, { outputs: ['layerGradients', 'inputGradients'], target: 3, layer: 'dense/alias' });
    expect(p.gradients).toBe(true);
    expect(Array.from(p.targets as Int32Array)).toEqual([3, 3]);
    expect(p.objective).toBe('logit');
    expect(p.layer).toBe('dense:0');
    expect([...p.wanted]).toEqual(['layerGradients', 'inputGradients']);
    expect(plan(image, { outputs: ['inputGradients'], target: 'predicted', objective: 'probability' })).toMatchObject({ targets: 'predicted', objective: 'probability' });
  });

  it('refuses a disposed model, naming how to make a new one', () => {
    expect(() => plan({ ...image, disposed: true, createdBy: 'fromTfjs' }, {})).toThrow(/disposed; create a new one with fromTfjs/);
    expect(() => plan({ ...image, disposed: true }, {})).toThrow(OptionError);
  });

  it('refuses requests without outputs, and outputs the model does not declare', () => {
    expect(() => planRequest(image, undefined as never)).toThrow(/run\(\) takes a request/);
    expect(() => plan(image, { outputs: [] })).toThrow(/Ask for at least one output: logits, inputGradients/);
    expect(() => plan(image, { outputs: ['embeddings'] })).toThrow(CapabilityError);
  });

  it("gives the adapter's reason for an output it cannot give", () => {
    const noGradients = new GradientsUnavailableError('No gradients here.');
    const facts = { ...image, capabilities: new Set<OutputName>(['logits']), whyUnavailable: (o: OutputName) => (o === 'inputGradients' ? noGradients : undefined) };
    expect(() => plan(facts, { outputs: ['inputGradients'], target: 0 })).toThrow(noGradients);
    expect(() => plan(facts, { outputs: ['layerActivations'], layer: 'dense' })).toThrow(CapabilityError);
  });

  it('checks the input, and token ids against the vocabulary', () => {
    expect(() => plan(image, { input: tensor([1, 2], [1, 2]) })).toThrow(ShapeError);
    expect(() => plan(tokens, { input: tensor([1, 10], [1, 2]) })).toThrow(/Token id 10 at position 1 is not a valid id \(0..9\)/);
    expect(() => plan(tokens, { input: tensor([1, 0.5], [1, 2]) })).toThrow(ShapeError);
    expect(() => plan({ ...tokens, vocabulary: undefined }, { input: tensor([1, -1], [1, 2]) })).toThrow(/non-negative integers/);
    // Integer inputs of another layout are ids when the adapter says so.
    expect(() => plan({ ...image, tokenIds: true }, { input: tensor([1, 2, 3.5], [1, 3]) })).toThrow(/Token id 3.5/);
  });

  it('needs a layer for layer outputs, and one the model has', () => {
    expect(() => plan(image, { outputs: ['layerActivations'] })).toThrow(/need request.layer/);
    expect(() => plan(image, { outputs: ['layerActivations'], layer: 'conv' })).toThrow(UnknownLayerError);
    const noResolver = { ...image, resolveLayer: undefined };
    expect(() => plan(noResolver, { outputs: ['layerActivations'], layer: 'dense' })).toThrow(UnknownLayerError);
  });

  it('checks embeddings: only for models that declare them, [rows, tokens, D], finite', () => {
    const good = tensor(new Float32Array(8), [2, 2, 2]);
    expect(plan(tokens, { input: ids, embeddings: good }).embeddings).toBe(good);
    expect(() => plan(image, { embeddings: good })).toThrow(OptionError);
    expect(() => plan(tokens, { input: ids, embeddings: tensor(new Float32Array(12), [2, 2, 3]) })).toThrow(/expected \[2, 2, 2\] for ids of shape \[2, 2\]/);
    expect(() => plan(tokens, { input: ids, embeddings: { data: new Float32Array(7), shape: [2, 2, 2] } })).toThrow(/has 7 values but its shape \[2, 2, 2\] needs 8/);
    const nan = new Float32Array(8);
    nan[5] = Number.NaN;
    expect(() => plan(tokens, { input: ids, embeddings: tensor(nan, [2, 2, 2]) })).toThrow(/value 5 is NaN/);
  });

  it('runs from given layer activations: declared, logits only, a layer, [rows, ...] of its shape, finite', () => {
    const facts: ModelFacts = { ...image, runsFromLayers: true, layerShape: (layer) => (layer === 'dense:0' ? [null, 4] : undefined) };
    const acts = tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 4]);
    const p = plan(facts, { layer: 'dense/alias', layerActivations: acts });
    expect(p).toMatchObject({ gradients: false, layer: 'dense:0', layerActivations: acts });
    expect(() => plan(image, { layer: 'dense', layerActivations: acts })).toThrow(CapabilityError);
    expect(() => plan(image, { layer: 'dense', layerActivations: acts })).toThrow(/ScoreCAM, EigenCAM/);
    expect(() => plan(facts, { layer: 'dense', layerActivations: acts, outputs: ['logits', 'layerActivations'] })).toThrow(/logits only/);
    expect(() => plan(facts, { layer: 'dense', layerActivations: acts, outputs: ['inputGradients'], target: 0 })).toThrow(OptionError);
    expect(() => plan(facts, { layerActivations: acts })).toThrow(/name a layer/);
    expect(() => plan(facts, { layer: 'conv', layerActivations: acts })).toThrow(UnknownLayerError);
    expect(() => plan(facts, { layer: 'dense', layerActivations: tensor([1, 2, 3, 4], [1, 4]) })).toThrow(/shape \[1, 4\]; layer 'dense' gives \[2, 4\]/);
    expect(() => plan(facts, { layer: 'dense', layerActivations: tensor([1, 2, 3, 4, 5, 6], [2, 3]) })).toThrow(ShapeError);
    expect(() => plan(facts, { layer: 'dense', layerActivations: { data: new Float32Array(3), shape: [2, 4] } })).toThrow(/has 3 values/);
    expect(() => plan(facts, { layer: 'dense', layerActivations: tensor([1, 2, 3, 4, 5, 6, 7, Number.NaN], [2, 4]) })).toThrow(/must be finite/);
    // Without a known shape, any [rows, ...] is accepted.
    expect(plan({ ...facts, layerShape: undefined }, { layer: 'dense', layerActivations: tensor([1, 2, 3, 4, 5, 6], [2, 3]) }).layerActivations?.shape).toEqual([2, 3]);
  });

  it('checks context: named inputs of the model, one row per row of the input', () => {
    const mask = tensor([1, 1, 1, 0], [2, 2]);
    expect(plan(tokens, { input: ids, context: { attention_mask: mask } }).context).toEqual({ attention_mask: mask });
    expect(() => plan(tokens, { input: ids, context: { attention_mask: tensor([1, 1], [1, 2]) } })).toThrow(
      /context.attention_mask has shape \[1, 2\]; give one row per row of the input: \[2, \.\.\.\]/,
    );
    // Names first: an unknown name is reported as such whatever its shape.
    expect(() => plan(tokens, { input: ids, context: { token_type_ids: tensor([1], [1, 1]) } })).toThrow(
      /context.token_type_ids is not an input of the model; its inputs besides the input are 'attention_mask'/,
    );
    const named = { ...tokens, inputName: 'input_ids' };
    expect(() => plan(named, { input: ids, context: { input_ids: ids } })).toThrow(/context.input_ids is the input being explained/);
    expect(() => plan({ ...named, contextInputs: [] }, { input: ids, context: { mask } })).toThrow(/it takes only 'input_ids'/);
    // Without a list of inputs, any name passes (the adapter decides).
    expect(plan({ ...tokens, contextInputs: undefined }, { input: ids, context: { mask } }).context).toEqual({ mask });
    expect(() => plan(tokens, { input: ids, context: { attention_mask: [1, 1] as never } })).toThrow(ShapeError);
    expect(() => plan(tokens, { input: ids, context: { attention_mask: { data: new Float32Array(3), shape: [2, 2] } } })).toThrow(/has 3 values but its shape \[2, 2\] needs 4/);
    expect(() => plan(image, { context: [] as never })).toThrow(/context must be an object/);
  });

  it('checks targets: given for gradients, one per row, within the classes when known', () => {
    expect(() => plan(image, { outputs: ['inputGradients'] })).toThrow(TargetError);
    expect(() => plan(image, { outputs: ['inputGradients'], target: [0] })).toThrow(/Got 1 targets for 2 examples/);
    expect(() => plan(image, { outputs: ['inputGradients'], target: [0, 4] })).toThrow(/Target \[1\] is class 4, but the model has 4 classes \(0..3\)/);
    expect(() => plan(image, { outputs: ['inputGradients'], target: -1 })).toThrow(TargetError);
    // Without known classes, the range waits for the logits: checkPlanClasses.
    const later = plan({ ...image, classes: undefined }, { outputs: ['inputGradients'], target: 4 });
    expect(() => checkPlanClasses(later, 4)).toThrow(/Target \[0\] is class 4/);
    expect(() => checkPlanClasses(later, 5)).not.toThrow();
  });

  it('checks the objective, and cross-entropy labels against rows and classes', () => {
    expect(() => plan(image, { outputs: ['inputGradients'], target: 0, objective: 'margin' as never })).toThrow(OptionError);
    const labels = tensor(new Float32Array(6), [2, 3]);
    expect(() => plan(image, { outputs: ['inputGradients'], target: 0, objective: { kind: 'cross-entropy', labels } })).toThrow(/expected \[2, 4\]/);
    const later = plan({ ...image, classes: undefined }, { outputs: ['inputGradients'], target: 0, objective: { kind: 'cross-entropy', labels } });
    expect(() => checkPlanClasses(later, 4)).toThrow(ShapeError);
    // A forward request carries no objective to check.
    expect(plan(image, { objective: 'margin' as never }).objective).toBeUndefined();
  });

  it('stops on an aborted signal, after the checks', () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    expect(() => plan(image, { signal: controller.signal })).toThrow(AbortError);
    expect(() => plan(image, { outputs: [], signal: controller.signal })).toThrow(OptionError);
  });
});

describe('logitGradient', () => {
  const logits = tensor([1, 3, 0, 2, 0, 0, 5, 1], [2, 4]);
  it("is one-hot on each row's target for the logit objective, the argmax for 'predicted'", () => {
    const given = plan(image, { outputs: ['inputGradients'], target: [2, 0] }) as GradientPlan;
    expect(Array.from(logitGradient(given, logits))).toEqual([0, 0, 1, 0, 1, 0, 0, 0]);
    const predicted = plan(image, { outputs: ['inputGradients'], target: 'predicted' }) as GradientPlan;
    expect(Array.from(logitGradient(predicted, logits))).toEqual([0, 1, 0, 0, 0, 0, 1, 0]);
  });

  it('follows the objective (log-probability: one-hot minus softmax), and checks the classes of the logits', () => {
    const p = plan({ ...image, classes: undefined }, { outputs: ['inputGradients'], target: 1, objective: 'log-probability' }) as GradientPlan;
    const g = logitGradient(p, logits);
    const z = [1, 3, 0, 2];
    const sum = z.reduce((s, v) => s + Math.exp(v), 0);
    for (const [c, v] of z.entries()) expect(g[c]).toBeCloseTo((c === 1 ? 1 : 0) - Math.exp(v) / sum, 6);
    expect(() => logitGradient(p, tensor([1, 2], [2, 1]))).toThrow(/Target \[0\] is class 1, but the model has 1 classes/);
  });
});

describe('checkRandomizeRequest', () => {
  it('gives each layer once and the seed (0 by default)', () => {
    expect(checkRandomizeRequest({}, ['a', 'b', 'a'], undefined)).toEqual({ layers: ['a', 'b'], seed: 0 });
    expect(checkRandomizeRequest({}, ['a'], { seed: 7 })).toEqual({ layers: ['a'], seed: 7 });
  });

  it('refuses names that are not strings, a fractional seed, and a disposed model', () => {
    expect(() => checkRandomizeRequest({}, 'a' as never, undefined)).toThrow(/takes an array of layer names/);
    expect(() => checkRandomizeRequest({}, ['a'], { seed: 0.5 })).toThrow(/must be an integer; got 0.5/);
    expect(() => checkRandomizeRequest({ disposed: true, createdBy: 'fromOnnx' }, ['a'], undefined)).toThrow(/create a new one with fromOnnx/);
  });
});

describe('GradientsUnavailableError', () => {
  it('names the op and its node, with code UNSUPPORTED_OP, and the runtime-specific remedy', () => {
    const e = GradientsUnavailableError.forOp('Softsign', 'squash', 'Register one.');
    expect(e).toMatchObject({ code: 'UNSUPPORTED_OP', op: 'Softsign', node: 'squash', name: 'GradientsUnavailableError' });
    expect(e.message).toBe("No gradient rule for op 'Softsign' (node 'squash'). Register one. Otherwise use a forward-only method such as occlusion.");
    expect(new GradientsUnavailableError('none')).toMatchObject({ code: 'NO_GRADIENTS', op: undefined });
  });
});
