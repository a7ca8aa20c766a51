import { describeTransformersJs } from './transformers-js-suite.js';

// transformers.js handed our onnxruntime-web (globalThis[Symbol.for('onnxruntime')]): fromTransformersJs reuses its session.
describeTransformersJs('shared');
