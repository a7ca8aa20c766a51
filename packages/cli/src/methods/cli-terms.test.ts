import { afterAll, describe, expect, it } from 'vitest';
import { salience, scratch } from '../../test/cli-harness.js';

// The command speaks its own terms: -m given a model file says to use --model, and a library
// error that names model.layers() names `salience layers` instead.
describe('salience explain in the command line terms', () => {
  const tmp = scratch();
  afterAll(() => tmp.remove());

  it('-m with a model file is a usage error pointing to --model', async () => {
    for (const model of ['resnet18.onnx', 'models/tfjs/model.json', './vit']) {
      const run = await salience(['explain', '-m', model, '--out', tmp.path('m')]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`-m is short for --method here; give the model with --model ${model}`);
    }
    // -m still names methods.
    const run = await salience(['explain', '-m', 'nonesuch', '--out', tmp.path('m')]);
    expect(run.stderr).toContain("Unknown method 'nonesuch'");
  });

  it('an unknown layer names `salience layers`, not model.layers()', async () => {
    const run = await salience(['explain', '--method', 'gradcam', '--layer', 'conv9', '--out', tmp.path('layer')]);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('Run `salience layers --model <file>` to list them.');
    expect(run.stderr).not.toContain('model.layers()');
  }, 60_000);
});
