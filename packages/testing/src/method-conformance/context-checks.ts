import type { Model, ModelRequest, TensorData } from '@salience/core';
import type { MethodConformanceSubject } from './subject.js';
import { describeOptions, fail, methodBaseline, settle } from './subject.js';

/** The companion input the context check adds; never forwarded to the subject's model. */
export const CONFORMANCE_CONTEXT = 'conformance_example';

/** The caller's examples whose row is, bit for bit, row `row` of `input` (several when examples repeat). */
function realExamples(real: TensorData, input: TensorData, row: number): number[] {
  const size = real.data.length / real.shape[0]!;
  if (input.data.length / Math.max(1, input.shape[0]!) !== size) return [];
  const x = input.data.subarray(row * size, (row + 1) * size);
  const found: number[] = [];
  for (let e = 0; e < real.shape[0]!; e++) {
    const y = real.data.subarray(e * size, (e + 1) * size);
    if (x.every((v, i) => Object.is(v, y[i]))) found.push(e);
  }
  return found;
}

/**
 * The subject's model behind a wrapper whose `contextOf` tags each row with the caller's example it
 * is (1..examples; 0 for a row that is not a real example: a baseline, noise, a masked copy), and
 * whose `run` records the tags every call carries, then forwards the request without them.
 */
function contextRecordingModel(subject: MethodConformanceSubject, problems: string[], seen: Set<number>): Model {
  const inner = subject.model;
  const real = subject.input;
  let calls = 0;
  return {
    layout: inner.layout,
    inputShape: inner.inputShape,
    capabilities: inner.capabilities,
    backwardRules: inner.backwardRules,
    runsFromLayers: inner.runsFromLayers,
    plugin: inner.plugin,
    layers: () => inner.layers(),
    contextOf(input: TensorData) {
      const rows = input.shape[0]!;
      // The caller's batch itself: row r is example r (even where examples repeat); else the first match.
      const matches = Array.from({ length: rows }, (_, r) => realExamples(real, input, r));
      const whole = rows === real.shape[0] && matches.every((m, r) => m.includes(r));
      const tags = Float32Array.from(matches, (m, r) => (whole ? r + 1 : (m[0] ?? -1) + 1));
      return { ...inner.contextOf?.(input), [CONFORMANCE_CONTEXT]: { data: tags, shape: [rows, 1] } };
    },
    async run(request: ModelRequest) {
      const index = calls++;
      const rows = request.input?.shape?.[0] ?? 0;
      const what = `Model call ${index} (${rows} rows, ${request.outputs.join(', ')})`;
      const { [CONFORMANCE_CONTEXT]: tags, ...rest } = request.context ?? {};
      if (!tags) {
        problems.push(
          `${what} carried no context.${CONFORMANCE_CONTEXT}: every model call must carry the context rows of its rows' examples (core's beginMethod resolves them once from model.contextOf and options.context; call.run gathers them by example).`,
        );
      } else if (tags.shape[0] !== rows || tags.data.length !== rows) {
        problems.push(`${what} carried context.${CONFORMANCE_CONTEXT} of shape [${tags.shape.join(', ')}]; it needs one row per row of the request: [${rows}, 1].`);
      } else {
        for (let r = 0; r < rows; r++) {
          const tag = tags.data[r]!;
          if (tag === 0) {
            problems.push(
              `${what}, row ${r}: its context was derived from a row that is not one of the caller's examples (a baseline, noise or perturbed copy); derive context once from the real input and gather it by example.`,
            );
            break;
          }
          const own = realExamples(real, request.input, r);
          if (own.length > 0 && !own.includes(tag - 1)) {
            problems.push(`${what}, row ${r}: the input is example ${own[0]} but the context is example ${tag - 1}'s; gather context rows by the example of each row.`);
            break;
          }
          seen.add(tag - 1);
        }
      }
      const context = Object.keys(rest).length > 0 ? rest : undefined;
      return inner.run({ ...request, context });
    },
    dispose() {},
  };
}

/**
 * Every model call carries its rows' examples' context rows: the model derives a per-example tag
 * (`contextOf`), and each call must carry, for each row, the tag of the example the row comes from,
 * never one derived from a perturbed row, and every example's tag must reach the model.
 */
export async function checkMethodContext(subject: MethodConformanceSubject): Promise<void> {
  const { classes } = await methodBaseline(subject);
  const runs: Readonly<Record<string, unknown>>[] = [{}];
  if (classes > 1) runs.push({ target: { topK: 2 } });
  for (const extra of runs) {
    const problems: string[] = [];
    const seen = new Set<number>();
    const outcome = await settle(subject, extra, contextRecordingModel(subject, problems, seen));
    const options = describeOptions({ ...(subject.options as object | undefined), ...extra });
    if (!outcome.ok) {
      const e = outcome.error as Error;
      fail(`With a model that derives context, attribute(model, input, ${options}) was rejected: ${e?.name}: ${e?.message}`);
    }
    if (problems.length > 0) fail(`attribute(model, input, ${options}):\n  ${problems.slice(0, 5).join('\n  ')}`);
    const examples = subject.input.shape[0]!;
    for (let e = 0; e < examples; e++) {
      if (!seen.has(e)) fail(`attribute(model, input, ${options}): no model call carried example ${e}'s context; every example's rows must carry its own context.`);
    }
  }
}
