import type { Box } from '@salience/audit';
import type { Layout, Objective, WorkLimit } from '@salience/core';
import type { PreprocessingFlags } from '../inputs/image-input.js';
import type { MethodFlags, MethodName } from '../methods/methods.js';
import type { BackendName } from '../models/tfjs-runtime.js';

/**
 * What `explain` and `audit` share: the model, the methods and their options, preprocessing,
 * runtime and the output folder. The command line builds it once (`runSettings` in program.ts).
 */
export interface RunSettings {
  /** A .onnx file or a tfjs model.json; absent: the built-in Fashion-MNIST model. */
  readonly model?: string;
  /** Absent: the command's default methods. */
  readonly methods?: readonly MethodName[];
  readonly flags?: MethodFlags;
  /** A .npy file for --baseline, read once the input's layout is known. */
  readonly baselineFile?: string;
  readonly objective?: Objective;
  readonly batchSize?: number;
  readonly seed?: number;
  /** The library's work limits, raised (`--limit steps=50000`). */
  readonly limits?: Readonly<Partial<Record<WorkLimit, number>>>;
  readonly preprocessing?: PreprocessingFlags;
  /** The model's input layout, when it cannot be inferred. */
  readonly layout?: Layout;
  /** Class names: one per line, or a JSON array. */
  readonly labels?: string;
  readonly backend?: BackendName;
  /** Largest image accepted, in pixels (width x height), checked before decoding; default `DEFAULT_MAX_PIXELS`. */
  readonly maxPixels?: number;
  /** Write results with NaN or infinite values instead of failing (exit 12). */
  readonly allowNonfinite?: boolean;
  /** Write into an `out` that holds other files (kept); only files a salience manifest lists are replaced. */
  readonly overwrite?: boolean;
  /** ONNX: the graph input to explain when the model has several. */
  readonly inputName?: string;
  readonly out: string;
  readonly signal?: AbortSignal;
}

/** Everything `salience explain` was asked to do, parsed and checked by the command line. */
export interface ExplainRequest extends RunSettings {
  /** Images, folders of images, or .npy tensors; empty: the built-in samples (built-in model only). */
  readonly inputs: readonly string[];
  /** The --target text: 'predicted', 'top3', '3', '3,1,4', 'classes:3,5'; default 'predicted'. */
  readonly target?: string;
  /** Write overlay PNGs and the grid (default true). */
  readonly overlays?: boolean;
  /** Companion model inputs, one row per example: graph input name -> .npy file. */
  readonly context?: Readonly<Record<string, string>>;
}

/** Everything `salience audit` was asked to do, parsed and checked by the command line. */
export interface AuditRequest extends RunSettings {
  /** A second model, run on the same examples and compared with the first. */
  readonly compareModel?: string;
  /** Images, folders of them (flat, or one subfolder per class), or .npy tensors. */
  readonly data: readonly string[];
  /** True classes of `data`: .csv (file,label), .txt (one per line), .npy or .json (class indices). */
  readonly truth?: string;
  /** A second dataset (shifted data) audited the same way. */
  readonly shifted?: readonly string[];
  readonly shiftedTruth?: string;
  /** Grad-CAM's layer on the compared model, when its layers are named otherwise; default `flags.layer`. */
  readonly compareLayer?: string;
  /** Explain each example's predicted class (default) or its true label. */
  readonly explain?: 'predicted' | 'label';
  /** The object's box in input pixels: saliency outside it is measured (`outside-object`). */
  readonly region?: Box;
  /** Width of the border band in input pixels; default 5% of the shorter side. */
  readonly border?: number;
  /** Side of the corner regions as a fraction of each side; default 0.25. */
  readonly corner?: number;
  /** Examples loaded, computed and saved at a time; default 64. */
  readonly chunkSize?: number;
  /** Examples kept per ranked list in the report; default 12. */
  readonly top?: number;
  /** Discard an earlier audit in `out` instead of resuming it. */
  readonly fresh?: boolean;
}
