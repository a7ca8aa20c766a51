import { rise } from '@acme/salience-rise';
import { CORE_VERSION, checkPluginCompatibility } from '@salience/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createImageFunctionModel } from './js-function-model.js';

const input = { data: new Float32Array(30).fill(0.5), shape: [1, 6, 5, 1] };

describe('version skew', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('the plugins were built against the core that is installed', () => {
    expect(rise.plugin).toEqual({ name: '@acme/salience-rise', coreVersion: CORE_VERSION });
    expect(createImageFunctionModel().plugin).toEqual({ name: '@acme/salience-js-function', coreVersion: CORE_VERSION });
    expect(checkPluginCompatibility(rise).compatible).toBe(true);
  });

  it('an adapter built against an older major is reported once, with what to do, when a method meets it', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const old = Object.assign(createImageFunctionModel(), { plugin: { name: '@acme/salience-js-function', coreVersion: '0.0.4' } });
    await rise.attribute(old, input, { masks: 4 });
    await rise.attribute(old, input, { masks: 4 });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(
      new RegExp(
        `@acme/salience-js-function was built against @salience/core 0\\.0\\.4 \\(0\\.0\\.x\\) but @salience/core ${CORE_VERSION.replaceAll('.', '\\.')} .*is loaded.*upgrade @acme/salience-js-function`,
      ),
    );
  });

  it('a method built against an older major is reported by checkPluginCompatibility', () => {
    const warn = vi.fn();
    const old = { ...rise, plugin: { name: '@acme/salience-rise', coreVersion: '0.0.1' } };
    const result = checkPluginCompatibility(old, { warn });
    expect(result.compatible).toBe(false);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^\[salience\] @acme\/salience-rise was built against @salience\/core 0\.0\.1/));
  });
});
