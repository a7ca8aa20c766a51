import { describeCaptumParity } from './parity-suite.js';

await describeCaptumParity('webgpu');
