import type { ModelRequest, OutputName } from '@salience/core';
import { checkPluginCompatibility } from '@salience/core';
import type { ConformanceSubject } from './subject.js';
import { baseline, expectRejection, fail, formatShape, has, KNOWN_OUTPUTS, runChecked } from './subject.js';

const LAYOUTS = ['NCHW', 'NHWC', 'NC', 'tokens'];

/** The model's self-description is coherent, and the subject's input and layer fit it. */
export async function checkDescription(subject: ConformanceSubject): Promise<void> {
  const { model, input, layer } = subject;
  if (!LAYOUTS.includes(model.layout)) fail(`layout is '${model.layout}'; expected one of ${LAYOUTS.join(', ')}.`);
  const unknown = [...model.capabilities].filter((c) => !KNOWN_OUTPUTS.includes(c));
  if (unknown.length > 0) fail(`capabilities name outputs that the core contract does not define: ${unknown.join(', ')}.`);
  if (!model.capabilities.has('logits')) fail("capabilities must include 'logits': every method and target resolution needs them.");
  if (model.inputShape.length === 0 || model.inputShape[0] !== null) {
    fail(`inputShape ${formatShape(model.inputShape)} must start with null: the batch is free.`);
  }
  if (!(input.data instanceof Float32Array)) fail('The subject input must hold a Float32Array.');
  const fits = input.shape.length === model.inputShape.length && model.inputShape.every((d, i) => d === null || d === input.shape[i]);
  if (!fits) fail(`The subject input has shape [${input.shape.join(', ')}], which does not fit the model's inputShape ${formatShape(model.inputShape)}.`);
  if (input.shape[0]! < 3) fail(`The subject input has ${input.shape[0]} examples; give at least 3 so that batching can be tested.`);
  const layers = model.layers();
  const names = layers.map((l) => l.name);
  for (const l of layers) {
    if (typeof l.name !== 'string' || l.name === '') fail(`layers() lists a layer without a name: ${JSON.stringify(l)}.`);
    if (typeof l.kind !== 'string') fail(`Layer '${l.name}' has no kind.`);
    if (typeof l.spatial !== 'boolean') fail(`Layer '${l.name}' must say whether it is spatial.`);
    if (!Array.isArray(l.outputShape) || l.outputShape.length === 0 || l.outputShape.some((d) => d !== null && !(Number.isInteger(d) && d >= 0))) {
      fail(`Layer '${l.name}' has an invalid outputShape ${JSON.stringify(l.outputShape)}.`);
    }
  }
  const duplicates = names.filter((n, i) => names.indexOf(n) !== i);
  if (duplicates.length > 0) fail(`layers() lists some names twice: ${[...new Set(duplicates)].join(', ')}.`);
  if (layer !== undefined) {
    if (!names.includes(layer)) fail(`The subject's layer '${layer}' is not in layers(): ${names.join(', ') || '(none)'}.`);
    if (!has(subject, 'layerActivations') && !has(subject, 'layerGradients')) {
      fail(`The subject names layer '${layer}' but the model declares neither layerActivations nor layerGradients.`);
    }
  }
}

/** Outputs the model does not declare are rejected with a CapabilityError, not answered. */
export async function checkUndeclaredOutputs(subject: ConformanceSubject): Promise<void> {
  const { model, input } = subject;
  const layer = subject.layer ?? model.layers()[0]?.name ?? 'layer';
  for (const output of KNOWN_OUTPUTS.filter((o) => !has(subject, o))) {
    const request: ModelRequest = { input, outputs: [output] as OutputName[], target: 0, layer };
    await expectRejection(model, request, 'MISSING_CAPABILITY', `'${output}' is not declared`);
  }
}

/** Logits are [B, classes] of finite numbers. */
export async function checkLogits(subject: ConformanceSubject): Promise<void> {
  const { logits } = await runChecked(subject.model, { input: subject.input, outputs: ['logits'] });
  const rows = subject.input.shape[0];
  if (logits.shape.length !== 2 || logits.shape[0] !== rows || logits.shape[1]! < 1) {
    fail(`logits have shape [${logits.shape.join(', ')}]; expected [${rows}, classes].`);
  }
  const bad = logits.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) fail(`logits value ${bad} is ${logits.data[bad]}; logits must be finite for a valid input.`);
  const again = await baseline(subject);
  if (again.classes !== logits.shape[1]) fail(`The number of classes changed between two calls (${logits.shape[1]}, then ${again.classes}).`);
}

/** An adapter published as a plugin names itself and the core it was built against, and that core is this one's major. */
export async function checkPluginStamp(subject: ConformanceSubject): Promise<void> {
  const stamp = subject.model.plugin;
  if (stamp === undefined) return;
  if (typeof stamp.name !== 'string' || stamp.name === '' || typeof stamp.coreVersion !== 'string') {
    fail(`model.plugin is ${JSON.stringify(stamp)}; it must be { name: your package name, coreVersion: the @salience/core version you built against }.`);
  }
  const compatibility = checkPluginCompatibility(subject.model, { warn: () => {} });
  if (!compatibility.compatible) fail(compatibility.message ?? 'The adapter is not compatible with this @salience/core.');
}
