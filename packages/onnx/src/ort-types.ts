import type { InferenceSession, Tensor } from 'onnxruntime-common';

/** The element types this adapter feeds and reads. */
export type FedType = 'float32' | 'int64' | 'int32';

/** Element types of the other inputs fed with it (attention masks may be bool). */
export type ContextType = FedType | 'bool';

/** The data array of each fed element type. */
export interface FedData {
  float32: Float32Array;
  int64: BigInt64Array;
  int32: Int32Array;
  bool: Uint8Array;
}

/**
 * The part of `onnxruntime-node` or `onnxruntime-web` that the adapter uses: pass the module itself
 * (`import * as ort from 'onnxruntime-node'`). Typed structurally against onnxruntime-common, so
 * any recent release of either runtime fits; the adapter never imports a runtime itself.
 */
export interface OrtModule {
  readonly InferenceSession: {
    create(buffer: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession>;
  };
  readonly Tensor: new <T extends ContextType>(type: T, data: FedData[T], dims: readonly number[]) => Tensor;
}

export type { InferenceSession, Tensor };
export type SessionOptions = InferenceSession.SessionOptions;
