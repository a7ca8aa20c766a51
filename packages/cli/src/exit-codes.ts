/**
 * The exit status of `salience`, one per kind of failure, so that scripts can branch on it. The
 * numbers are part of the command's interface: never renumber them.
 */
export const EXIT_CODES = {
  ok: 0,
  /** Something the command did not foresee (a bug, or a failure of the platform); the message says what. */
  failure: 1,
  /** Bad command line: an unknown option, a bad value, options that do not fit together, a bad target. */
  usage: 2,
  /** An input file that is missing, unreadable or undecodable, or inputs that do not fit the model. */
  inputFile: 3,
  /** A model file that is missing, unreadable or not a model. */
  modelFile: 4,
  /** `--layer` names a layer or tensor that the model does not have. */
  unknownLayer: 5,
  /** The model uses an operation that has no gradient rule. */
  unsupportedOp: 6,
  /** The method needs gradients (or layer outputs) that this model cannot give. */
  noGradients: 7,
  /** The model itself failed while running. */
  modelFailed: 8,
  /** An optional package is needed: @tensorflow/tfjs-node for `--backend tensorflow`, @salience/onnx for ONNX models. */
  missingDependency: 9,
  /** The output folder cannot be written, or `--out` names a folder that is not a salience output. */
  output: 10,
  /** `salience audit --fail-on-findings` found saliency where it should not be (the outputs are written). */
  findings: 11,
  /** The model gave NaN or infinite logits, or a method NaN or infinite maps (`--allow-nonfinite` writes them anyway). */
  nonFinite: 12,
  /** Interrupted (Ctrl-C), as shells report SIGINT. */
  aborted: 130,
} as const;

export type ExitCodeName = keyof typeof EXIT_CODES;
export type ExitCode = (typeof EXIT_CODES)[ExitCodeName];
