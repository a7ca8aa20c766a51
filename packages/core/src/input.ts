import { ShapeError } from './errors.js';
import type { Model } from './model.js';
import type { TensorData } from './tensor.js';

/** Checks an input against the model's declared shape before any work, with a message that shows both. */
export function checkInput(model: Pick<Model, 'layout' | 'inputShape'>, input: TensorData): void {
  if (typeof input !== 'object' || input === null || !Array.isArray(input.shape)) {
    throw new ShapeError('The input must be a TensorData { data: Float32Array, shape: number[] }; build one with tensor(values, shape).');
  }
  if (!(input.data instanceof Float32Array)) {
    const kind = (input.data as unknown as object | undefined)?.constructor?.name ?? typeof input.data;
    throw new ShapeError(`Input data is a ${kind}; salience takes a Float32Array. Convert with tensor(data, shape) or Float32Array.from(data).`);
  }
  const want = model.inputShape;
  const got = input.shape;
  const fits = got.length === want.length && want.every((d, i) => d === null || d === got[i]);
  if (!fits) {
    const wanted = want.map((d, i) => (d === null ? (i === 0 ? 'batch' : '?') : d)).join(', ');
    const hint = model.layout === 'NCHW' || model.layout === 'NHWC' ? ` The model's layout is ${model.layout}; transpose images if they are in the other order.` : '';
    throw new ShapeError(`Input has shape [${got.join(', ')}] but the model takes [${wanted}].${hint}`);
  }
  if (got[0] === 0) throw new ShapeError('Input has no examples (batch of 0).');
  let sizeExpected = 1;
  for (const d of got) sizeExpected *= d;
  if (input.data.length !== sizeExpected) {
    throw new ShapeError(`Input data has ${input.data.length} values but its shape [${got.join(', ')}] needs ${sizeExpected}.`);
  }
  for (let i = 0; i < input.data.length; i++) {
    if (!Number.isFinite(input.data[i])) throw new ShapeError(`Input value ${i} is ${input.data[i]}; inputs must be finite numbers.`);
  }
}
