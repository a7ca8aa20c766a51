import { describe, expect, it } from 'vitest';
import { salience } from '../test/cli-harness.js';
import { packageVersion } from './version.js';

describe('salience', () => {
  it('prints its version and help with status 0, and the help with status 2 when no command is given', async () => {
    const version = await salience(['--version']);
    expect([version.code, version.stdout]).toEqual([0, `${await packageVersion()}\n`]);
    const help = await salience(['explain', '--help']);
    expect(help.code).toBe(0);
    for (const flag of ['--model', '--input', '--method', '--target', '--steps', '--quadrature', '--layer', '--upsample', '--window', '--stride', '--json', 'Exit status: 0 ok']) {
      expect(help.stdout).toContain(flag);
    }
    const auditHelp = await salience(['audit', '--help']);
    expect(auditHelp.code).toBe(0);
    for (const flag of [
      '--data',
      '--truth',
      '--shifted',
      '--shifted-truth',
      '--compare-model',
      '--compare-layer',
      '--explain',
      '--region',
      '--border',
      '--corner',
      '--chunk-size',
      '--fresh',
      '--fail-on-findings',
      '--layer',
      '--resize',
      '11 findings',
    ]) {
      expect(auditHelp.stdout).toContain(flag);
    }
    const bare = await salience([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('Usage: salience [options] [command]');
  });

  it("lists the layers that --layer can name, marking Grad-CAM's default", async () => {
    const text = await salience(['layers', '--backend', 'cpu']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^built-in model: tfjs-layers, input \[\?, 28, 28, 1\] NHWC\n/);
    expect(text.stdout).toMatch(/\nconv3 +Conv2D +\[\?, 7, 7, 32\] {2}<- Grad-CAM default\n/);
    const json = await salience(['layers', '--json', '--backend', 'cpu']);
    const listed = json.json<{ gradCamDefault: string; layers: { name: string; spatial: boolean }[] }>();
    expect(listed.gradCamDefault).toBe('conv3');
    expect(listed.layers.map((l) => l.name)).toEqual(expect.arrayContaining(['conv1', 'conv2', 'conv3', 'fc1', 'logits']));
  });
});
