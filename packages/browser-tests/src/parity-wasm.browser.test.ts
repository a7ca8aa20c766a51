import { describeCaptumParity } from './parity-suite.js';

await describeCaptumParity('wasm');
