import { describeCaptumParity } from './parity-suite.js';
import { tfjsRuntime } from './tfjs-runtime.js';

await describeCaptumParity(tfjsRuntime('wasm'));
