import { describeTransformersJs } from './transformers-js-suite.js';

// transformers.js as installed: on the onnxruntime-web build it depends on (its wasm files served locally).
describeTransformersJs('own');
