import { describe, expect, it } from 'vitest';
import { supportedOps } from './index.js';

const REQUIRED = [
  'Conv',
  'ConvTranspose',
  'Gemm',
  'MatMul',
  'Relu',
  'LeakyRelu',
  'Sigmoid',
  'Tanh',
  'Erf',
  'Softmax',
  'LogSoftmax',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'BatchNormalization',
  'LayerNormalization',
  'ReduceMean',
  'Sub',
  'Pow',
  'Sqrt',
  'Div',
  'Add',
  'Mul',
  'Reshape',
  'Flatten',
  'Transpose',
  'Squeeze',
  'Unsqueeze',
  'Concat',
  'Split',
  'Slice',
  'Gather',
  'ReduceSum',
  'Identity',
  'Dropout',
  'Constant',
  'Clip',
  'Pad',
  'Where',
  'Cast',
];

describe('supportedOps', () => {
  it('lists every required op, sorted', () => {
    const ops = supportedOps();
    expect(ops).toEqual(expect.arrayContaining(REQUIRED));
    expect(ops).toEqual([...ops].sort());
  });

  it('leaves out ops that do not exist at an opset', () => {
    expect(supportedOps(17)).not.toContain('Gelu');
    expect(supportedOps(20)).toContain('Gelu');
    expect(supportedOps(16)).not.toContain('LayerNormalization');
  });
});
