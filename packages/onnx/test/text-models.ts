import { ModelGraph } from '@salience/onnx-autodiff';

/** Weights of the text models below, fixed so that tests can compute logits by hand. */
export const VOCAB = 12;
export const WIDTH = 4;
export const CLASSES = 3;
export const TABLE = Array.from({ length: VOCAB * WIDTH }, (_, i) => Math.sin(0.7 * i + 0.3));
export const TYPE_TABLE = Array.from({ length: 2 * WIDTH }, (_, i) => Math.cos(1.3 * i) * 0.5);
export const POSITIONS = 8;
export const POSITION_TABLE = Array.from({ length: POSITIONS * WIDTH }, (_, i) => Math.sin(0.37 * i) * 0.3);
export const HEAD = Array.from({ length: WIDTH * CLASSES }, (_, i) => Math.cos(0.9 * i + 0.2));

export interface TextModelOptions {
  /** Element type of attention_mask. Default int64. */
  readonly mask?: 'int64' | 'int32' | 'bool' | 'float32';
  /** A third input, token_type_ids, looked up in a table of two rows. */
  readonly tokenTypes?: boolean;
  /** The sequence dim of every input: a symbol (dynamic) or a fixed length. */
  readonly sequence?: string | number;
  /** The batch dim of every input: a symbol (dynamic) or a fixed batch. */
  readonly batch?: string | number;
}

/** Masked mean over tokens of tanh(embeddings), then a linear head: the mask really changes the logits. */
function maskedMeanHead(g: ModelGraph, embedded: string, mask: string): void {
  const weights = g.add('Unsqueeze', [mask, g.int64s([2])]);
  const summed = g.add('ReduceSum', [g.add('Mul', [g.add('Tanh', [embedded]), weights]), g.int64s([1])], { keepdims: 0 });
  const count = g.add('ReduceSum', [mask, g.int64s([1])], { keepdims: 1 });
  const pooled = g.add('Div', [summed, count], undefined, { name: '/pool/Div', output: 'pooled' });
  g.add('MatMul', [pooled, g.constant(HEAD, 'float32', [WIDTH, CLASSES])], undefined, { name: '/classifier/MatMul', output: 'logits' });
  g.addOutput('logits');
}

/**
 * input_ids [batch, sequence] (int64) + attention_mask (+ token_type_ids), as transformers exports
 * a BERT-style classifier: the word embedding Gather reads the ids, the mask weighs the mean.
 */
export function maskedTextModel(options: TextModelOptions = {}): Uint8Array {
  const sequence = options.sequence ?? 'sequence';
  const batch = options.batch ?? 'batch';
  const mask = options.mask ?? 'int64';
  const inputs = [
    { name: 'input_ids', type: 'int64' as const, shape: [batch, sequence] },
    { name: 'attention_mask', type: mask, shape: [batch, sequence] },
    ...(options.tokenTypes ? [{ name: 'token_type_ids', type: 'int64' as const, shape: [batch, sequence] }] : []),
  ];
  const g = ModelGraph.create({ inputs });
  let embedded = g.add(
    'Gather',
    [g.constant(TABLE, 'float32', [VOCAB, WIDTH], 'embeddings.word_embeddings.weight'), 'input_ids'],
    { axis: 0 },
    {
      name: '/embeddings/word_embeddings/Gather',
      output: '/embeddings/word_embeddings/Gather_output_0',
    },
  );
  if (options.tokenTypes) {
    const types = g.add(
      'Gather',
      [g.constant(TYPE_TABLE, 'float32', [2, WIDTH], 'embeddings.token_type_embeddings.weight'), 'token_type_ids'],
      { axis: 0 },
      { name: '/embeddings/token_type_embeddings/Gather' },
    );
    embedded = g.add('Add', [embedded, types], undefined, { name: '/embeddings/Add' });
  }
  const weights = mask === 'float32' ? 'attention_mask' : g.add('Cast', ['attention_mask'], { to: 1 });
  maskedMeanHead(g, embedded, weights);
  return g.toBytes();
}

/** The logits of `maskedTextModel` by hand. */
export function maskedTextLogits(ids: readonly number[], mask: readonly number[], types?: readonly number[]): number[] {
  const pooled = new Array<number>(WIDTH).fill(0);
  let count = 0;
  ids.forEach((id, t) => {
    count += mask[t]!;
    for (let d = 0; d < WIDTH; d++) pooled[d]! += Math.tanh(TABLE[id * WIDTH + d]! + (types ? TYPE_TABLE[types[t]! * WIDTH + d] : 0)!) * mask[t]!;
  });
  return Array.from({ length: CLASSES }, (_, c) => pooled.reduce((sum, p, d) => sum + (p / count) * HEAD[d * CLASSES + c]!, 0));
}

/**
 * GPT-2 as transformers exports it: the `wte` Gather reads Reshape(input_ids, [-1, T]) with T read
 * off Shape(input_ids) at run time, positions come from position_ids through `wpe`, and the mask
 * weighs the mean.
 */
export function gpt2StyleModel(): Uint8Array {
  const g = ModelGraph.create({
    inputs: [
      { name: 'input_ids', type: 'int64', shape: ['batch', 'sequence'] },
      { name: 'attention_mask', type: 'int64', shape: ['batch', 'sequence'] },
      { name: 'position_ids', type: 'int64', shape: ['batch', 'sequence'] },
    ],
  });
  const shape = g.add('Shape', ['input_ids'], undefined, { name: '/transformer/Shape' });
  const last = g.add('Gather', [shape, g.constant([1], 'int64', [1])], { axis: 0 }, { name: '/transformer/Gather' });
  const target = g.add('Concat', [g.constant([-1], 'int64', [1]), last], { axis: 0 }, { name: '/transformer/Concat' });
  const flat = g.add('Reshape', ['input_ids', target], undefined, { name: '/transformer/Reshape', output: '/transformer/Reshape_output_0' });
  const words = g.add(
    'Gather',
    [g.constant(TABLE, 'float32', [VOCAB, WIDTH], 'transformer.wte.weight'), flat],
    { axis: 0 },
    {
      name: '/transformer/wte/Gather',
      output: '/transformer/wte/Gather_output_0',
    },
  );
  const places = g.add(
    'Gather',
    [g.constant(POSITION_TABLE, 'float32', [POSITIONS, WIDTH], 'transformer.wpe.weight'), 'position_ids'],
    { axis: 0 },
    {
      name: '/transformer/wpe/Gather',
    },
  );
  const embedded = g.add('Add', [words, places], undefined, { name: '/transformer/Add' });
  maskedMeanHead(g, embedded, g.add('Cast', ['attention_mask'], { to: 1 }));
  return g.toBytes();
}

/** The logits of `gpt2StyleModel` by hand. */
export function gpt2StyleLogits(ids: readonly number[], mask: readonly number[], positions: readonly number[]): number[] {
  const pooled = new Array<number>(WIDTH).fill(0);
  let count = 0;
  ids.forEach((id, t) => {
    count += mask[t]!;
    for (let d = 0; d < WIDTH; d++) pooled[d]! += Math.tanh(TABLE[id * WIDTH + d]! + POSITION_TABLE[positions[t]! * WIDTH + d]!) * mask[t]!;
  });
  return Array.from({ length: CLASSES }, (_, c) => pooled.reduce((sum, p, d) => sum + (p / count) * HEAD[d * CLASSES + c]!, 0));
}

/** The ids unsqueezed and cast before their lookup: Gather(table, Cast(Unsqueeze(ids, 1))) -> [B, 1, T, D]. */
export function unsqueezedIdsModel(): Uint8Array {
  const g = ModelGraph.create({ inputs: [{ name: 'ids', type: 'int64', shape: ['batch', 'sequence'] }] });
  const ids = g.add('Cast', [g.add('Unsqueeze', ['ids', g.int64s([1])])], { to: 6 });
  const embedded = g.add('Gather', [g.constant(TABLE, 'float32', [VOCAB, WIDTH], 'emb.weight'), ids], { axis: 0 }, { name: '/emb/Gather', output: '/emb/Gather_output_0' });
  const pooled = g.add('ReduceMean', [g.add('Tanh', [embedded])], { axes: [1, 2], keepdims: 0 });
  g.add('MatMul', [pooled, g.constant(HEAD, 'float32', [WIDTH, CLASSES])], undefined, { output: 'logits' });
  g.addOutput('logits');
  return g.toBytes();
}

export const IMAGE_WEIGHTS = Array.from({ length: 16 * 2 }, (_, i) => Math.sin(0.5 * i + 1));

/** pixel_values [batch, 1, 4, 4] and a per-example 'scale' [batch, 2]: logits = (flatten(x) W) * scale. */
export function scaledImageModel(): Uint8Array {
  const g = ModelGraph.create({
    inputs: [
      { name: 'scale', type: 'float32', shape: ['batch', 2] },
      { name: 'pixel_values', type: 'float32', shape: ['batch', 1, 4, 4] },
    ],
  });
  const flat = g.add('Flatten', ['pixel_values'], { axis: 1 }, { name: '/flat/Flatten' });
  const scores = g.add('MatMul', [flat, g.constant(IMAGE_WEIGHTS, 'float32', [16, 2])], undefined, { name: '/head/MatMul' });
  g.add('Mul', [scores, 'scale'], undefined, { output: 'logits' });
  g.addOutput('logits');
  return g.toBytes();
}
