import { mergeConfig } from 'vitest/config';
import { packageTestConfig } from '../../vitest.shared.ts';

// Pure functions and no module state worth isolating: one shared context keeps the run to seconds.
export default mergeConfig(packageTestConfig('@salience/render'), { test: { isolate: false } });
