import { describeOnnxConformance } from '../test/conformance-suite.js';

describeOnnxConformance('onnxruntime-web');
