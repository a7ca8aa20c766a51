import type { OrtModule, Tensor } from '../src/ort-types.js';

/**
 * Wraps a runtime so that every tensor created through it, or returned by a session it created,
 * counts as live until disposed: the adapter must dispose all of them (GPU buffers on webgpu).
 */
export function countingRuntime(ort: OrtModule): { ort: OrtModule; live: () => number } {
  let live = 0;
  const track = <T extends Tensor>(tensor: T): T => {
    const dispose = tensor.dispose.bind(tensor);
    let disposed = false;
    live++;
    tensor.dispose = () => {
      if (!disposed) live--;
      disposed = true;
      dispose();
    };
    return tensor;
  };
  const Base = ort.Tensor as unknown as new (...args: unknown[]) => Tensor;
  class CountedTensor extends Base {
    constructor(...args: unknown[]) {
      super(...args);
      track(this);
    }
  }
  const InferenceSession = {
    async create(...args: Parameters<OrtModule['InferenceSession']['create']>) {
      const session = await ort.InferenceSession.create(...args);
      return new Proxy(session, {
        get(target, property) {
          if (property === 'run') {
            return async (...runArgs: Parameters<typeof session.run>) => {
              const results = await target.run(...runArgs);
              for (const value of Object.values(results)) track(value as Tensor);
              return results;
            };
          }
          const value = Reflect.get(target, property, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    },
  };
  return { ort: { Tensor: CountedTensor as unknown as OrtModule['Tensor'], InferenceSession }, live: () => live };
}
