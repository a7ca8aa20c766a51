// Times the ResNet-18-sized model on the current tfjs backend: the raw passes straight on tfjs, and
// integrated gradients through salience, each the median of `reps` calls after one warm-up call.
import { createRng, type TensorData } from '@salience/core';
import { integratedGradients } from '@salience/integrated-gradients';
import { fromTfjs, withoutFilterGradients } from '@salience/tfjs';
import type * as tfType from '@tensorflow/tfjs';
import { buildResNet18 } from '../resnet18.ts';

type Tf = typeof tfType;

export interface BenchSettings {
  readonly size: number;
  readonly batch: number;
  readonly steps: number;
  readonly reps: number;
}

export interface BenchReport extends BenchSettings {
  readonly classes: number;
  /** Forward pass of `batch` images, ms per call. */
  readonly forwardMs: number;
  /** Forward and backward (input gradients of the target logits) of `batch` images, ms per call. */
  readonly forwardBackwardMs: number;
  readonly forwardBackwardImagesPerS: number;
  /** Integrated gradients of one image, `steps` steps, at most `batch` rows per model call, ms per call. */
  readonly integratedGradientsMs: number;
  /** The raw passes that call needs: `steps` rows of forward+backward in batches of `batch`, and the 2 rows of the delta. */
  readonly integratedGradientsRawMs: number;
  /** integratedGradientsMs / integratedGradientsRawMs: salience's overhead over the bare passes. */
  readonly integratedGradientsRatio: number;
  /** Peak tensor memory of one integrated gradients call, MiB (tf.profile). */
  readonly integratedGradientsPeakMiB: number;
  /** tf.memory().numTensors before building the model and after disposing it. */
  readonly tensorsBefore: number;
  readonly tensorsAfter: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function medianMs(reps: number, work: () => Promise<unknown>): Promise<number> {
  await work(); // warm-up: kernels compiled, weights uploaded
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
  }
  return median(times)!;
}

export async function benchResNet18(tf: Tf, settings: BenchSettings, log: (line: string) => void): Promise<BenchReport> {
  const { size, batch, steps, reps } = settings;
  const classes = 1000;
  const tensorsBefore = tf.memory().numTensors;
  const net = buildResNet18(tf, { size, classes });
  const model = fromTfjs(tf, net);
  const rng = createRng(7);
  const makeInput = (rows: number): TensorData => ({ data: rng.fillUniform(new Float32Array(rows * size * size * 3)), shape: [rows, size, size, 3] });
  const targetsFor = (rows: number) => Array.from({ length: rows }, (_, i) => (i * 37) % classes);
  // Inputs drawn once, outside the timing; each pass makes its input tensor from plain data, as the adapter does.
  const inputs = new Map<number, TensorData>();
  const inputOf = (rows: number) => {
    if (!inputs.has(rows)) inputs.set(rows, makeInput(rows));
    return inputs.get(rows)!;
  };

  async function rawPass(kind: 'forward' | 'backward', rows: number): Promise<void> {
    const x = tf.tensor4d(inputOf(rows).data, [rows, size, size, 3]);
    const oneHot = tf.tidy(() => tf.oneHot(tf.tensor1d(targetsFor(rows), 'int32'), classes).toFloat());
    const objective = (logits: tfType.Tensor) => tf.sum(tf.mul(logits, oneHot));
    // The adapter skips the filter gradients nobody reads; the raw backward pass gets the same advantage.
    const out =
      kind === 'forward'
        ? tf.tidy(() => net.apply(x) as tfType.Tensor)
        : withoutFilterGradients(tf, () => tf.tidy(() => tf.grad((v: tfType.Tensor) => objective(net.apply(v) as tfType.Tensor))(x)));
    await out.data();
    tf.dispose([x, oneHot, out]);
  }

  let figures: Omit<BenchReport, 'tensorsAfter'>;
  try {
    log(`ResNet-18 ${size}x${size}, ${classes} classes, batch ${batch}, IG ${steps} steps, median of ${reps} after a warm-up`);
    const forwardMs = await medianMs(reps, () => rawPass('forward', batch));
    log(`  forward, ${batch} images: ${forwardMs.toFixed(1)} ms`);
    const forwardBackwardMs = await medianMs(reps, () => rawPass('backward', batch));
    log(`  forward+backward, ${batch} images: ${forwardBackwardMs.toFixed(1)} ms (${((1000 * batch) / forwardBackwardMs).toFixed(1)} images/s)`);
    const one = inputOf(1);
    const ig = () => integratedGradients.attribute(model, one, { steps, batchSize: batch, target: targetsFor(1) });
    const integratedGradientsMs = await medianMs(reps, ig);
    const igRaw = async () => {
      for (let done = 0; done < steps; done += batch) await rawPass('backward', Math.min(batch, steps - done));
      await rawPass('forward', 2);
    };
    const integratedGradientsRawMs = await medianMs(reps, igRaw);
    const profile = await tf.profile(() => ig() as never);
    const integratedGradientsPeakMiB = profile.peakBytes / 2 ** 20;
    log(
      `  integrated gradients, 1 image, ${steps} steps: ${integratedGradientsMs.toFixed(1)} ms; its raw passes ${integratedGradientsRawMs.toFixed(1)} ms ` +
        `(ratio ${(integratedGradientsMs / integratedGradientsRawMs).toFixed(3)}); peak ${integratedGradientsPeakMiB.toFixed(0)} MiB`,
    );
    figures = {
      ...settings,
      classes,
      forwardMs,
      forwardBackwardMs,
      forwardBackwardImagesPerS: (1000 * batch) / forwardBackwardMs,
      integratedGradientsMs,
      integratedGradientsRawMs,
      integratedGradientsRatio: integratedGradientsMs / integratedGradientsRawMs,
      integratedGradientsPeakMiB,
      tensorsBefore,
    };
  } finally {
    model.dispose();
    net.dispose();
  }
  return { ...figures, tensorsAfter: tf.memory().numTensors };
}
