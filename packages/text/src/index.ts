/**
 * @packageDocumentation
 * Text classifiers for salience: opens a transformers.js / Optimum model folder (config.json,
 * tokenizer.json, onnx/model.onnx or onnx/model_quantized.onnx) or what a transformers.js user
 * already loaded, tokenises with tokenizer.json (token strings and character offsets), and gives a
 * salience Model through @salience/onnx. Quantized models run forward-only methods; gradient
 * methods on them stop with a QuantizedModelError naming the op and the fix.
 */

export type { DequantizedModel } from './dequantize.js';
export { dequantize } from './dequantize.js';
export type { FileLocation } from './files.js';
export type { Offset } from './offsets.js';
export type { QuantizedOp } from './quantized.js';
export { QUANTIZED_OPS, QuantizedModelError, quantizedOps } from './quantized.js';
export type { TextClassifier, TextClassifierFiles, TextClassifierOptions, TextPrediction } from './text-classifier.js';
export { labelsOf, loadTextClassifier } from './text-classifier.js';
export type { EncodedBatch, EncodedText, SpecialTokenIds, TextTokenizerOptions } from './tokenizer.js';
export { TextTokenizer } from './tokenizer.js';
export type { TransformersJsModel, TransformersJsOptions } from './transformers-js.js';
export { fromTransformersJs, transformersJsModelFile } from './transformers-js.js';
