// Runs every sanity check of @salience/sanity-checks on the planted-evidence benchmark (the CNN
// that tools/train-planted-cnn.ts trained, on held-out images) for gradient, integrated gradients,
// Grad-CAM, occlusion and the two negative controls, and prints the method x check table that the
// package's README shows, with the numbers behind each verdict. tfjs wasm backend.
//   node --conditions=@salience/source --import tsx tools/sanity-report.ts [examples]
import { gradCam } from '@salience/grad-cam';
import { gradient } from '@salience/gradient';
import { integratedGradients } from '@salience/integrated-gradients';
import { occlusion } from '@salience/occlusion';
import { borrowCpuBackwardKernels, fromTfjs } from '@salience/tfjs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { plantedShapes, randomMap, reportTable, runSanityChecks, sobelEdges } from '@salience/sanity-checks';
import { loadPlantedCnn } from '@salience/sanity-checks/testing';
import { plantedCnn, tfjsTrainer } from '@salience/sanity-checks/tfjs';

const examples = Number(process.argv[2] ?? 32);
await tf.setBackend('wasm');
borrowCpuBackwardKernels(tf);
const model = fromTfjs(tf, await loadPlantedCnn(tf));
const heldOut = plantedShapes({ count: examples, seed: 2 });
const training = plantedShapes({ count: 256, seed: 1 });
const started = Date.now();
const report = await runSanityChecks(
  model,
  [gradient, integratedGradients, gradCam, { method: occlusion, options: { window: 3, stride: 1 } }, sobelEdges, randomMap],
  { input: heldOut.input, labels: heldOut.labels, masks: heldOut.masks, training: { input: training.input, labels: training.labels } },
  {
    labelRandomization: { trainer: tfjsTrainer(tf, { build: (seed) => plantedCnn(tf, { seed }), input: training.input, epochs: 3 }) },
    onProgress: ({ check, method, done, total }) => {
      if (done === total) console.error(`${check}${method ? ` ${method}` : ''} done (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    },
  },
);
console.log(`${examples} held-out images (plantedShapes seed 2), targets: their labels, seed ${report.seed}\n`);
console.log(reportTable(report));
console.log();
for (const m of report.methods) {
  console.log(`### ${m.name}`);
  const p = m.parameterRandomization;
  if (p) {
    console.log(`- cascading (spearmanAbs): ${p.cascading.map((s) => `${s.layer} ${s.similarity.spearmanAbs.toFixed(2)}`).join(', ')}`);
    console.log(`- independent (spearmanAbs): ${p.independent.map((s) => `${s.layer} ${s.similarity.spearmanAbs.toFixed(2)}`).join(', ')}`);
    console.log(
      `- all layers: ${Object.entries(p.full)
        .map(([k, v]) => `${k} ${v.toFixed(3)}`)
        .join(', ')}`,
    );
  }
  const l = m.labelRandomization;
  if (l)
    console.log(
      `- label randomisation: ${Object.entries(l.similarity)
        .map(([k, v]) => `${k} ${v.toFixed(3)}`)
        .join(', ')}; accuracy ${JSON.stringify(l.accuracy)}`,
    );
  for (const r of [m.deletion, m.infidelity, m.maxSensitivity, m.localization]) if (r) console.log(`- ${r.verdict.rule}`);
  if (m.deletion)
    console.log(
      `- insertion AUC: most first ${m.deletion.insertion.most.auc.toFixed(3)}, random ${m.deletion.insertion.random.auc.toFixed(3)}, least first ${m.deletion.insertion.least.auc.toFixed(3)}`,
    );
}
console.log(`\n${((Date.now() - started) / 1000).toFixed(0)} s on tfjs ${tf.getBackend()}`);
