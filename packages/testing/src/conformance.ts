import type { OutputName } from '@salience/core';
import { afterAll, describe, it } from 'vitest';
import { checkBatching, checkDeterminism } from './conformance/consistency-checks.js';
import {
  checkHonoursAbort,
  checkRejectsBadInput,
  checkRejectsBadTargets,
  checkRejectsUnknownLayer,
  checkRejectsUnknownObjective,
  checkRequiresTarget,
} from './conformance/error-checks.js';
import { checkDescription, checkLogits, checkPluginStamp, checkUndeclaredOutputs } from './conformance/interface-checks.js';
import { checkRefusesLayerActivations, checkRejectsBadLayerActivations, checkRunsFromLayer } from './conformance/layer-input-checks.js';
import { checkDispose, checkNoLeaks, checkNoMutation } from './conformance/lifecycle-checks.js';
import { checkGradientObjective, checkLayerGradientObjective, checkLayerGradientValues, MAX_CLASSES_FOR_LAYER_OBJECTIVES, OBJECTIVE_CASES } from './conformance/objectives.js';
import { checkEmbeddings, checkInputGradientShape, checkLayerOutputs, checkTargets, testableGradients } from './conformance/output-checks.js';
import type { ConformanceSubject } from './conformance/subject.js';
import { baseline, has, KNOWN_OUTPUTS } from './conformance/subject.js';

export interface ConformanceCheck {
  readonly name: string;
  run(): Promise<void>;
}

export interface ConformanceGroup {
  readonly name: string;
  readonly checks: readonly ConformanceCheck[];
}

export interface ConformancePlan {
  /** The groups of checks that apply to this subject, in the order they run (dispose last). */
  readonly groups: readonly ConformanceGroup[];
  /** Checks that were not registered, each with the reason. */
  readonly notRegistered: readonly string[];
  /** Which group or note covers each declared output: every declared output must appear. */
  readonly coverage: Readonly<Partial<Record<OutputName, string>>>;
}

type Setup = () => Promise<ConformanceSubject> | ConformanceSubject;

const check = (name: string, run: () => Promise<void>): ConformanceCheck => ({ name, run });

/**
 * Works out which checks apply to a subject from the capabilities its model declares. `setup` is
 * needed for the dispose check, which disposes a fresh subject of its own.
 */
export async function planConformance(subject: ConformanceSubject, setup?: Setup): Promise<ConformancePlan> {
  const groups: ConformanceGroup[] = [];
  const notRegistered: string[] = [];
  const coverage: Partial<Record<OutputName, string>> = {};
  const s = subject;
  const declared = KNOWN_OUTPUTS.filter((o) => has(s, o));
  const { classes } = await baseline(s);

  const interfaceChecks = [check('describes itself coherently', () => checkDescription(s)), check('gives logits of shape [B, classes]', () => checkLogits(s))];
  if (declared.length < KNOWN_OUTPUTS.length) {
    interfaceChecks.push(check(`rejects the outputs it does not declare (${KNOWN_OUTPUTS.filter((o) => !has(s, o)).join(', ')})`, () => checkUndeclaredOutputs(s)));
  }
  if (s.model.plugin !== undefined) {
    interfaceChecks.push(check(`was built against this major of @salience/core (${s.model.plugin.name})`, () => checkPluginStamp(s)));
  }
  groups.push({ name: 'interface', checks: interfaceChecks });
  coverage.logits = 'interface';

  const gradients = testableGradients(s);
  if (gradients.length > 0) {
    groups.push({ name: 'targets', checks: [check(`resolves numbers, per-example arrays and 'predicted' (${gradients.join(', ')})`, () => checkTargets(s))] });
  } else {
    notRegistered.push('targets: the model declares no gradient output that can be requested');
  }

  const objectiveChecks = (output: string) =>
    OBJECTIVE_CASES.map((which) => check(`${output} for objective '${which}' match finite differences`, () => checkGradientObjective(s, which)));
  if (has(s, 'inputGradients')) {
    groups.push({ name: 'input gradients', checks: [check('have the shape of the input', () => checkInputGradientShape(s)), ...objectiveChecks('inputGradients')] });
    coverage.inputGradients = 'input gradients';
  }
  if (has(s, 'embeddings')) {
    groups.push({ name: 'embeddings', checks: [check('are [B, T, D] and reproduce the logits when run from', () => checkEmbeddings(s))] });
    coverage.embeddings = 'embeddings';
    if (has(s, 'embeddingGradients')) {
      groups.push({ name: 'embedding gradients', checks: objectiveChecks('embeddingGradients') });
      coverage.embeddingGradients = 'embedding gradients';
    }
  } else if (has(s, 'embeddingGradients')) {
    notRegistered.push("embedding gradient values: the model does not declare 'embeddings', so they cannot be perturbed");
    coverage.embeddingGradients = 'targets and errors only';
  }

  const layerOutputs = (['layerActivations', 'layerGradients'] as const).filter((o) => has(s, o));
  if (s.layer !== undefined) {
    const layerChecks = [check(`outputs of '${s.layer}' match layers() and each other`, () => checkLayerOutputs(s))];
    if (has(s, 'layerGradients')) {
      if (classes <= MAX_CLASSES_FOR_LAYER_OBJECTIVES) {
        for (const which of OBJECTIVE_CASES) {
          layerChecks.push(check(`layerGradients for objective '${which}' follow the chain rule through the logits`, () => checkLayerGradientObjective(s, which)));
        }
      } else {
        notRegistered.push(`layer gradient objectives: the model has ${classes} classes, more than ${MAX_CLASSES_FOR_LAYER_OBJECTIVES}`);
      }
      if (s.layerIsCut && has(s, 'layerActivations')) {
        layerChecks.push(check('layerGradients match finite differences through the layer', () => checkLayerGradientValues(s)));
      } else {
        notRegistered.push(
          s.layerIsCut ? 'layer gradient values: they need layerActivations too' : 'layer gradient values: set layerIsCut when every path from the input goes through the layer',
        );
      }
    }
    groups.push({ name: `layer '${s.layer}'`, checks: layerChecks });
    for (const o of layerOutputs) coverage[o] = `layer '${s.layer}'`;
  } else if (layerOutputs.length > 0) {
    notRegistered.push(`layer outputs: no subject.layer given (only unknown-layer errors are checked)`);
    for (const o of layerOutputs) coverage[o] = 'errors only (no subject.layer)';
  }

  if (!s.model.runsFromLayers) {
    groups.push({
      name: 'running from a layer',
      checks: [check('refuses request.layerActivations with a CapabilityError (runsFromLayers not set)', () => checkRefusesLayerActivations(s))],
    });
  } else if (s.layer !== undefined && has(s, 'layerActivations')) {
    const runs = [
      check(`reproduces its logits from the activations of '${s.layer}'${s.layerIsCut ? ', and follows them rather than the input' : ''}`, () => checkRunsFromLayer(s)),
    ];
    runs.push(check('rejects layer activations of the wrong shape or with other outputs', () => checkRejectsBadLayerActivations(s)));
    groups.push({ name: `running from layer '${s.layer}'`, checks: runs });
  } else {
    notRegistered.push('running from a layer: the model sets runsFromLayers, but the check needs subject.layer and layerActivations');
  }

  groups.push({
    name: 'batching and determinism',
    checks: [
      check('gives the same outputs one example at a time, in chunks, or in one call', () => checkBatching(s)),
      check('gives the same numbers twice', () => checkDeterminism(s)),
    ],
  });

  const errorChecks = [check('rejects misshapen inputs with a ShapeError', () => checkRejectsBadInput(s))];
  if (layerOutputs.length > 0) errorChecks.push(check('rejects an unknown layer with an UnknownLayerError listing the layers', () => checkRejectsUnknownLayer(s)));
  if (gradients.length > 0) {
    errorChecks.push(
      check('rejects bad targets with a TargetError', () => checkRejectsBadTargets(s)),
      check('rejects gradient requests without a target', () => checkRequiresTarget(s)),
      check('rejects an unknown objective with an OptionError', () => checkRejectsUnknownObjective(s)),
    );
  }
  errorChecks.push(check('stops on an aborted signal with an AbortError', () => checkHonoursAbort(s)));
  groups.push({ name: 'errors', checks: errorChecks });
  groups.push({ name: 'inputs', checks: [check("never mutates the caller's data, answered or rejected", () => checkNoMutation(s))] });

  if (s.liveTensors) {
    groups.push({ name: 'leaks', checks: [check('keeps liveTensors() unchanged across every kind of request', () => checkNoLeaks(s))] });
  } else {
    notRegistered.push('leaks: no liveTensors given');
  }
  if (setup) {
    groups.push({ name: 'dispose', checks: [check('disposes twice and then rejects requests', () => checkDispose(setup))] });
  } else {
    notRegistered.push('dispose: no setup function to make a subject to dispose');
  }
  return { groups, notRegistered, coverage };
}

/**
 * Registers the adapter conformance suite for a model with vitest. `setup` runs while the tests are
 * collected (and once more for the dispose check); the model is disposed and `teardown` called
 * after the suite. Only checks that apply to the declared capabilities are registered; the first
 * test's name lists the groups and what was left out, and why.
 */
export function describeModelConformance(name: string, setup: Setup): void {
  describe(`${name} conforms to the Model contract`, async () => {
    const subject = await setup();
    afterAll(async () => {
      subject.model.dispose();
      await subject.teardown?.();
    });
    const plan = await planConformance(subject, setup);
    const summary = `registers ${plan.groups.map((g) => g.name).join(', ')}${plan.notRegistered.length > 0 ? `; not registered: ${plan.notRegistered.join('; ')}` : ''}`;
    it(summary, () => {
      const uncovered = [...subject.model.capabilities].filter((c) => plan.coverage[c] === undefined);
      if (uncovered.length > 0) throw new Error(`No conformance group covers the declared outputs ${uncovered.join(', ')}.`);
    });
    for (const group of plan.groups) {
      describe(group.name, () => {
        for (const c of group.checks) it(c.name, () => c.run());
      });
    }
  });
}

export { checkBatching, checkDeterminism } from './conformance/consistency-checks.js';
export {
  checkHonoursAbort,
  checkRejectsBadInput,
  checkRejectsBadTargets,
  checkRejectsUnknownLayer,
  checkRejectsUnknownObjective,
  checkRequiresTarget,
} from './conformance/error-checks.js';
export { checkDescription, checkLogits, checkPluginStamp, checkUndeclaredOutputs } from './conformance/interface-checks.js';
export { checkRefusesLayerActivations, checkRejectsBadLayerActivations, checkRunsFromLayer } from './conformance/layer-input-checks.js';
export { checkDispose, checkNoLeaks, checkNoMutation } from './conformance/lifecycle-checks.js';
export type { ObjectiveCase } from './conformance/objectives.js';
export { checkGradientObjective, checkLayerGradientObjective, checkLayerGradientValues, OBJECTIVE_CASES } from './conformance/objectives.js';
export { checkEmbeddings, checkInputGradientShape, checkLayerOutputs, checkTargets } from './conformance/output-checks.js';
export type { ConformanceSubject } from './conformance/subject.js';
export { BATCH_TOLERANCE, ConformanceError, DEFAULT_GRADIENT_TOLERANCE, KNOWN_OUTPUTS } from './conformance/subject.js';
