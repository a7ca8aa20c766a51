import { describeBrowserConformance } from './conformance-suite.js';

await describeBrowserConformance('cpu');
