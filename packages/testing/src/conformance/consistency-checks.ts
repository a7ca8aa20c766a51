import type { ModelOutputs, ModelRequest, OutputName, TensorData } from '@salience/core';
import { concatRows } from '@salience/core';
import { compareMaps } from '../compare.js';
import type { ConformanceSubject } from './subject.js';
import { BATCH_TOLERANCE, baseline, describeRequest, fail, has, KNOWN_OUTPUTS, rows, runChecked } from './subject.js';

/** Every output that this subject can be asked for in one request. */
export function allOutputs(subject: ConformanceSubject): OutputName[] {
  return KNOWN_OUTPUTS.filter((o) => has(subject, o) && (subject.layer !== undefined || (o !== 'layerActivations' && o !== 'layerGradients')));
}

async function fullRequest(subject: ConformanceSubject, start: number, end: number): Promise<ModelRequest> {
  const { targets } = await baseline(subject);
  return {
    input: rows(subject.input, start, end),
    outputs: allOutputs(subject),
    target: Array.from(targets.subarray(start, end)),
    layer: subject.layer,
  };
}

/** Running rows one at a time, or in two chunks, gives the same outputs as one call over the batch. */
export async function checkBatching(subject: ConformanceSubject): Promise<void> {
  const { model } = subject;
  const n = subject.input.shape[0]!;
  const whole = (await runChecked(model, await fullRequest(subject, 0, n))) as Partial<ModelOutputs>;
  const half = Math.ceil(n / 2);
  const splits: [string, [number, number][]][] = [
    ['one example at a time', Array.from({ length: n }, (_, r) => [r, r + 1])],
    [
      `in chunks of ${half} and ${n - half}`,
      [
        [0, half],
        [half, n],
      ],
    ],
  ];
  const failures: string[] = [];
  for (const [how, ranges] of splits) {
    const parts: Partial<ModelOutputs>[] = [];
    for (const [s, e] of ranges) parts.push((await runChecked(model, await fullRequest(subject, s, e))) as Partial<ModelOutputs>);
    for (const output of allOutputs(subject)) {
      const joined = concatRows(parts.map((p) => p[output] as TensorData));
      const expected = whole[output] as TensorData;
      if (joined.shape.join() !== expected.shape.join()) {
        failures.push(`${output} ${how}: shape [${joined.shape.join(', ')}] vs [${expected.shape.join(', ')}] in one call`);
        continue;
      }
      const c = compareMaps(joined, expected);
      if (!(c.relativeError <= BATCH_TOLERANCE)) {
        const w = c.worst;
        failures.push(`${output} ${how}: example ${w.map} at [${w.at.join(', ')}] is ${w.actual}, in one call ${w.expected}`);
      }
    }
  }
  if (failures.length > 0) fail(`Outputs depend on how the examples are batched (allowed ${BATCH_TOLERANCE} x max per example):\n  ${failures.join('\n  ')}`);
}

/** The same request twice gives the same numbers, bit for bit. */
export async function checkDeterminism(subject: ConformanceSubject): Promise<void> {
  const request = await fullRequest(subject, 0, subject.input.shape[0]!);
  const first = (await runChecked(subject.model, request)) as Partial<ModelOutputs>;
  const second = (await runChecked(subject.model, request)) as Partial<ModelOutputs>;
  for (const output of request.outputs) {
    const a = first[output] as TensorData;
    const b = second[output] as TensorData;
    const i = a.data.findIndex((v, k) => !Object.is(v, b.data[k]));
    if (a.shape.join() !== b.shape.join() || i >= 0) {
      fail(`${output} differs between two identical requests ${describeRequest(request)}${i >= 0 ? `: value ${i} is ${a.data[i]}, then ${b.data[i]}` : ''}.`);
    }
  }
}
