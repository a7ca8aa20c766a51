import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { assertCapabilities } from './capabilities.js';
import type { Model, OutputName } from './model.js';
import { CORE_VERSION, checkPluginCompatibility } from './plugin.js';

const stamped = (name: string, coreVersion: string) => ({ plugin: { name, coreVersion } });

describe('CORE_VERSION', () => {
  it("is package.json's version (run `pnpm version-packages` to release, not `changeset version` alone)", () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(CORE_VERSION).toBe(manifest.version);
  });
});

describe('checkPluginCompatibility', () => {
  it('accepts plugins of the same major, and plugins that say nothing', () => {
    const warn = vi.fn();
    expect(checkPluginCompatibility(stamped('@acme/same', '1.0.0'), { coreVersion: '1.4.2', warn }).compatible).toBe(true);
    expect(checkPluginCompatibility(stamped('@acme/same-0x', '0.3.1'), { coreVersion: '0.3.9', warn }).compatible).toBe(true);
    expect(checkPluginCompatibility({}, { warn })).toEqual({ compatible: true, coreVersion: CORE_VERSION });
    expect(checkPluginCompatibility(undefined, { warn }).compatible).toBe(true);
    expect(warn).not.toHaveBeenCalled();
  });

  it('warns once, with what to do, about a plugin built against an older major', () => {
    const warn = vi.fn();
    const old = stamped('@acme/salience-rise', '1.2.0');
    const result = checkPluginCompatibility(old, { coreVersion: '2.0.1', warn });
    expect(result.compatible).toBe(false);
    expect(result.message).toMatch(
      /@acme\/salience-rise was built against @salience\/core 1\.2\.0 \(1\.x\) but @salience\/core 2\.0\.1 \(2\.x\) is loaded.*upgrade @acme\/salience-rise to a release built for @salience\/core 2\.x, or install @salience\/core@\^1\.2\.0/,
    );
    checkPluginCompatibility(old, { coreVersion: '2.0.1', warn });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toBe(`[salience] ${result.message}`);
  });

  it('treats each 0.x minor as its own major, and tells a newer plugin to upgrade core', () => {
    const warn = vi.fn();
    expect(checkPluginCompatibility(stamped('@acme/zero', '0.1.5'), { coreVersion: '0.2.0', warn }).compatible).toBe(false);
    const newer = checkPluginCompatibility(stamped('@acme/newer', '3.0.0'), { coreVersion: '2.9.9', warn });
    expect(newer.compatible).toBe(false);
    expect(newer.message).toMatch(/upgrade @salience\/core to \^3\.0\.0/);
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it('says when a stamp is not a version, without calling the plugin incompatible', () => {
    const warn = vi.fn();
    const result = checkPluginCompatibility(stamped('@acme/odd', 'latest'), { coreVersion: '1.0.0', warn });
    expect(result.compatible).toBe(true);
    expect(warn.mock.calls[0]![0]).toMatch(/'latest', which is not a version like '1\.2\.3'/);
  });

  it('is checked for every adapter that a method meets, through assertCapabilities', () => {
    const spy = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const model: Model = {
        layout: 'NC',
        inputShape: [null, 2],
        capabilities: new Set<OutputName>(['logits']),
        plugin: { name: '@acme/ancient-adapter', coreVersion: '0.0.1' },
        layers: () => [],
        run: async () => ({}) as never,
        dispose() {},
      };
      assertCapabilities(model, ['logits']);
      assertCapabilities(model, ['logits']);
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy.mock.calls[0]![0]).toMatch(/@acme\/ancient-adapter was built against @salience\/core 0\.0\.1/);
    } finally {
      spy.mockRestore();
    }
  });
});
