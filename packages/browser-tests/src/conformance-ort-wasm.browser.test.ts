import { describeOrtConformance } from './ort-conformance-suite.js';

await describeOrtConformance('wasm');
