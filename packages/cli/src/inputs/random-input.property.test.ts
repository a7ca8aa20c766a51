import { CommanderError } from 'commander';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CliError } from '../cli-error.js';
import { parseNumberList, parseRange, parseSize, parseStdev, parseTarget, parseWindow } from '../methods/option-values.js';
import { auditRequest, buildProgram, explainRequest, type Invocation, parseContext } from '../program.js';
import { decodeImage, imageDimensions } from './image-decoding.js';
import { readNpy, writeNpy } from './npy.js';

/** Runs `f`; anything it throws must be one of the command's typed errors. */
function typedOrNothing(f: () => unknown): void {
  try {
    f();
  } catch (error) {
    if (error instanceof CliError || error instanceof CommanderError) return;
    throw error;
  }
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
/** Bytes that look more or less like a .npy: the magic, a version, a header length, then anything. */
const npyLike = fc.tuple(fc.constantFrom(1, 2, 3, 7), fc.nat(300), fc.string({ maxLength: 120 }), fc.uint8Array({ maxLength: 200 })).map(([major, length, header, rest]) => {
  const text = new TextEncoder().encode(header);
  const preamble = major === 1 ? 10 : 12;
  const bytes = new Uint8Array(preamble + text.length + rest.length);
  bytes.set(MAGIC, 0);
  bytes[6] = major;
  const view = new DataView(bytes.buffer);
  if (major === 1) view.setUint16(8, length, true);
  else view.setUint32(8, length, true);
  bytes.set(text, preamble);
  bytes.set(rest, preamble + text.length);
  return bytes;
});
/** Headers of the real shape with random fields. */
const npyHeaders = fc
  .tuple(
    fc.constantFrom('<f4', '<f8', '>f8', '|u1', '<i8', '|b1', '<f2', '<c8', 'x'),
    fc.boolean(),
    fc.array(fc.integer({ min: -2, max: 6 }), { maxLength: 4 }),
    fc.uint8Array({ maxLength: 256 }),
  )
  .map(([descr, fortran, shape, data]) => {
    const header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }\n`;
    const bytes = new Uint8Array(10 + header.length + data.length);
    bytes.set(MAGIC, 0);
    bytes[6] = 1;
    new DataView(bytes.buffer).setUint16(8, header.length, true);
    for (let i = 0; i < header.length; i++) bytes[10 + i] = header.charCodeAt(i);
    bytes.set(data, 10 + header.length);
    return bytes;
  });

describe('property: the .npy reader takes any bytes without crashing', () => {
  it('random bytes: an array or a typed input error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), npyLike, npyHeaders), (bytes) => typedOrNothing(() => readNpy(bytes, 'x.npy'))),
      { numRuns: 2000 },
    );
  });

  it('what it writes reads back, for any finite values and shape', () => {
    const tensors = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }).chain((shape) => {
      const size = shape.reduce((a, b) => a * b, 1);
      return fc.float32Array({ minLength: size, maxLength: size, noNaN: true, noDefaultInfinity: true }).map((data) => ({ data, shape }));
    });
    fc.assert(
      fc.property(tensors, (tensor) => {
        const back = readNpy(writeNpy(tensor));
        expect(back.shape).toEqual(tensor.shape);
        expect(Array.from(back.data)).toEqual(Array.from(tensor.data));
      }),
      { numRuns: 300 },
    );
  });
});

describe('property: images are sized from their header before decoding', () => {
  it('random bytes after a PNG or JPEG signature: an image or a typed input error, never a huge allocation', () => {
    const signed = fc
      .tuple(fc.constantFrom([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], [0xff, 0xd8, 0xff]), fc.uint8Array({ maxLength: 300 }))
      .map(([head, rest]) => Uint8Array.from([...head, ...rest]));
    fc.assert(
      fc.property(signed, (bytes) => {
        const size = imageDimensions(bytes);
        if (size) expect(size.width * size.height).toBeGreaterThanOrEqual(0);
        typedOrNothing(() => decodeImage(bytes, 'x.png', 4096));
      }),
      { numRuns: 1500 },
    );
  });
});

/** Parses `argv` as the program does, then checks it as the command would. */
function parseAndCheck(argv: string[]): void {
  let invocation: Invocation | undefined;
  const program = buildProgram((i) => {
    invocation = i;
  }, '0.0.0');
  const silent = { writeOut: () => {}, writeErr: () => {} };
  program.configureOutput(silent);
  for (const c of program.commands) c.configureOutput(silent);
  typedOrNothing(() => {
    program.parse(argv, { from: 'user' });
    if (invocation?.command === 'explain') explainRequest(invocation.flags);
    if (invocation?.command === 'audit') auditRequest(invocation.flags);
  });
}

const OPTIONS = [
  '--method',
  '--steps',
  '--samples',
  '--stdev',
  '--variant',
  '--signed',
  '--quadrature',
  '--baseline',
  '--statistic',
  '--layer',
  '--upsample',
  '--no-relu',
  '--window',
  '--stride',
  '--batch-size',
  '--seed',
  '--resize',
  '--channels',
  '--range',
  '--mean',
  '--std',
  '--layout',
  '--backend',
  '--target',
  '--objective',
  '--max-pixels',
  '--context',
  '--overwrite',
  '--allow-nonfinite',
  '--region',
  '--border',
  '--corner',
  '--chunk-size',
  '--top',
  '--explain',
  '--json',
  '--quiet',
];
const values = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.double().map(String),
  fc.integer().map(String),
  fc.constantFrom('', '-1', '0', '1e9', 'NaN', 'Infinity', '1,2', '3x', 'x3', '1,2,3,4', 'a=b', '=', '50%', '-5%', 'top3', 'classes:', 'ig', 'gradient,ig', '..', '0,0,0,0'),
);

describe('property: option parsing of random values ends in a value or a typed usage error', () => {
  it('random command lines for explain and audit', () => {
    const argv = fc
      .tuple(fc.constantFrom('explain', 'audit', 'layers'), fc.array(fc.tuple(fc.constantFrom(...OPTIONS), values), { maxLength: 6 }))
      .map(([command, pairs]) => [command, ...pairs.flat()]);
    fc.assert(
      fc.property(argv, (line) => parseAndCheck(line)),
      { numRuns: 1500 },
    );
  });

  it('each value parser alone', () => {
    const parsers: ((text: string) => unknown)[] = [
      (t) => parseSize(t, '--resize'),
      (t) => parseWindow(t, '--window'),
      (t) => parseStdev(t, '--stdev'),
      (t) => parseRange(t, '--range'),
      (t) => parseNumberList(t, '--mean'),
      (t) => parseTarget(t, ['a', 'b']),
      (t) => parseContext([t]),
    ];
    fc.assert(
      fc.property(fc.constantFrom(...parsers), values, (parse, text) => typedOrNothing(() => parse(text))),
      { numRuns: 2000 },
    );
  });
});
