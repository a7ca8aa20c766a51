#!/usr/bin/env node
// Regenerates packages/onnx-autodiff/src/proto/onnx_pb.ts, the ONNX messages for @bufbuild/protobuf,
// from the onnx-ml.proto that the `onnx` Python package ships (the full schema: ML types included):
//
//   pnpm --filter @salience/onnx-autodiff generate:proto                 # onnx from `python3` (or $PYTHON)
//   pnpm --filter @salience/onnx-autodiff generate:proto --proto DIR/onnx-ml.proto --onnx-version 1.23.1
//
// Runs buf (npm @bufbuild/buf) with the protoc-gen-es plugin, both dev dependencies of
// @salience/onnx-autodiff, then biome (format and import order), so that the file is the same on every machine.
// Update the onnx package first (`pip install -U onnx`) to follow a new ONNX release.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = join(root, 'packages', 'onnx-autodiff');
const out = join(pkg, 'src', 'proto', 'onnx_pb.ts');
const bin = (name) => join(pkg, 'node_modules', '.bin', name);

function option(name) {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

let proto = option('proto');
let version = option('onnx-version');
if (!proto || !version) {
  const python = process.env.PYTHON ?? 'python3';
  const script = 'import onnx, os; print(onnx.__version__); print(os.path.join(os.path.dirname(onnx.__file__), "onnx-ml.proto"))';
  let lines;
  try {
    lines = execFileSync(python, ['-c', script], { encoding: 'utf8' }).trim().split('\n');
  } catch (cause) {
    throw new Error(`Could not import onnx with '${python}': install it (pip install onnx), set PYTHON, or pass --proto PATH --onnx-version X.`, { cause });
  }
  version ??= lines[0];
  proto ??= lines[1];
}

const work = mkdtempSync(join(tmpdir(), 'onnx-proto-'));
try {
  // The path inside the input folder becomes the descriptor's file name (onnx/onnx-ml.proto, as ONNX names it).
  mkdirSync(join(work, 'in', 'onnx'), { recursive: true });
  copyFileSync(proto, join(work, 'in', 'onnx', 'onnx-ml.proto'));
  const template = JSON.stringify({
    version: 'v2',
    plugins: [{ local: bin('protoc-gen-es'), out: join(work, 'out'), opt: ['target=ts', 'import_extension=js'] }],
  });
  execFileSync(bin('buf'), ['generate', join(work, 'in'), '--template', template], { stdio: 'inherit' });
  const generated = readFileSync(join(work, 'out', 'onnx', 'onnx-ml_pb.ts'), 'utf8');
  const irVersion = /IR_VERSION = (0x[0-9A-Fa-f]+|\d+);/.exec(readFileSync(proto, 'utf8'))?.[1];
  const header = [
    `// The ONNX messages of onnx/onnx-ml.proto from ONNX ${version}${irVersion ? ` (IR version ${Number(irVersion)})` : ''}, for @bufbuild/protobuf.`,
    '// Generated: do not edit. Regenerate with `pnpm --filter @salience/onnx-autodiff generate:proto` (tools/generate-onnx-proto.mjs).',
    '',
  ].join('\n');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, header + generated);
  execFileSync(join(root, 'node_modules', '.bin', 'biome'), ['check', '--write', out], { cwd: root, stdio: 'inherit' });
  console.log(`Wrote ${out} from ${proto} (ONNX ${version}).`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
