import { describeTfjsConformance } from '../test/conformance-subjects.js';

describeTfjsConformance('cpu');
