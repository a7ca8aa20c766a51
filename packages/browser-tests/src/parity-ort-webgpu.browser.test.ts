import { ortRuntime } from './ort-runtime.js';
import { describeCaptumParity } from './parity-suite.js';

await describeCaptumParity(ortRuntime('webgpu'));
