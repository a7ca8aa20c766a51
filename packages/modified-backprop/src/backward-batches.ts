import { type BackwardRules, type MethodCall, type ModelOutputs, type OutputName, rowSize } from '@salience/core';

/**
 * The loop every one-pass modified-backprop method runs: the call's maps in batches, one model call
 * per batch with the backward rules replaced, and `write` turning a batch's outputs (and its input
 * rows) into its rows of the maps. Returns the maps (the input's row size each) and the calls made.
 */
export async function backwardBatches<K extends OutputName>(
  call: MethodCall,
  outputs: readonly K[],
  backward: BackwardRules,
  write: (result: Pick<ModelOutputs, K>, rows: Float32Array, start: number, end: number, out: Float32Array) => void,
  onProgress?: (done: number, total: number) => void,
): Promise<{ values: Float32Array; calls: number }> {
  const { examples, targets } = call;
  const size = rowSize(call.input);
  const values = new Float32Array(examples.length * size);
  let calls = 0;
  await call.forEachBatch(
    examples.length,
    async (start, end) => {
      const request = call.request({ input: call.mapInput(start, end), examples: examples.subarray(start, end), targets: targets.subarray(start, end), outputs });
      const result = await call.model.run({ ...request, backward });
      calls++;
      write(result, request.input.data, start, end, values.subarray(start * size, end * size));
    },
    onProgress,
  );
  return { values, calls };
}
