import type { Layout, Model } from '@salience/core';
import type { BackendName } from './tfjs-runtime.js';

/** Which loader read the file. */
export type ModelFormat = 'tfjs-layers' | 'tfjs-graph' | 'onnx';

/** A model ready to explain, with what the report says about it. */
export interface LoadedModel {
  readonly model: Model;
  readonly format: ModelFormat;
  /** The runtime and backend, e.g. 'tfjs 4.22.0 (wasm)'. */
  readonly runtime: string;
  /**
   * Why the model gives no gradients, when the loader knows (an ONNX op without a gradient
   * rule): reported instead of a bare missing capability when a gradient method is asked for.
   */
  readonly gradientError?: Error;
  /** Frees the model and whatever the loader created for it. */
  dispose(): void;
}

/** What summary.json says about a model, for explain and audit alike. */
export interface ModelSummary {
  readonly path: string;
  readonly builtin: boolean;
  readonly format: string;
  readonly runtime: string;
  readonly layout: Layout;
  readonly inputShape: readonly (number | null)[];
}

export function modelSummary(path: string, builtin: boolean, loaded: LoadedModel): ModelSummary {
  return { path, builtin, format: loaded.format, runtime: loaded.runtime, layout: loaded.model.layout, inputShape: loaded.model.inputShape };
}

/** What a loader needs besides the file. */
export interface ModelLoadOptions {
  /** tfjs backend; ONNX models ignore it. */
  readonly backend: BackendName;
  /** Declares the model's input layout when it cannot be inferred (a channels-first tfjs model). */
  readonly layout?: Layout;
  readonly signal?: AbortSignal;
  /** ONNX: the graph input to explain when the model has several. */
  readonly inputName?: string;
}

/**
 * Turns a model file into a `LoadedModel`. The command picks one by file type; tests and
 * embedders can pass their own (see `ExplainDependencies.loadModel`).
 */
export type ModelLoader = (path: string, options: ModelLoadOptions) => Promise<LoadedModel>;
