import type { ModelOutputs, ModelRequest, OutputName } from '@salience/core';
import { createRng } from '@salience/core';
import { describeModelConformance } from '@salience/testing';
import { fromJsFunction } from './index.js';

// Deliberately broken adapters: the kit must fail them, saying what is wrong. The proof checks
// the messages; this file is not part of the package's own (green) tests.

const W = createRng(3).fillNormal(new Float32Array(3 * 5));
const healthy = () =>
  fromJsFunction({
    inputShape: [null, 5],
    classes: 3,
    forward: (x) => [0, 1, 2].map((c) => x.reduce((s, v, i) => s + W[c * 5 + i] * v, 0)),
    backward: (_x, g) => Array.from({ length: 5 }, (_, i) => g[0] * W[i] + g[1] * W[5 + i] + g[2] * W[10 + i]),
  });
const input = () => ({ data: createRng(4).fillNormal(new Float32Array(4 * 5)), shape: [4, 5] });

describeModelConformance('an adapter whose gradients lose their shape', () => {
  const inner = healthy();
  const model = {
    ...inner,
    async run<K extends OutputName>(request: ModelRequest<K>): Promise<Pick<ModelOutputs, K>> {
      const out = (await inner.run(request)) as Partial<ModelOutputs>;
      if (out.inputGradients) out.inputGradients = { data: out.inputGradients.data, shape: [out.inputGradients.data.length] };
      return out as Pick<ModelOutputs, K>;
    },
  };
  return { model, input: input(), liveTensors: () => inner.liveBuffers };
});

describeModelConformance('an adapter that leaks a tensor per call', () => {
  const inner = healthy();
  let leaked = 0;
  const model = {
    ...inner,
    run<K extends OutputName>(request: ModelRequest<K>): Promise<Pick<ModelOutputs, K>> {
      leaked++; // allocated for the call, never freed
      return inner.run(request);
    },
  };
  return { model, input: input(), liveTensors: () => inner.liveBuffers + leaked };
});
