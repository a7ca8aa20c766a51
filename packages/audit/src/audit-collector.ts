import { OptionError } from '@salience/core';
import { spearman } from '@salience/sanity-checks/metrics';
import type { AuditRecord, ExampleFacts } from './audit-batch.js';
import type { ExampleMap } from './example-map.js';
import { type Finding, type FindingOptions, findConcentrations } from './findings.js';
import { type MeanMap, MeanMapSum } from './mean-map.js';
import { RankedList } from './ranked-list.js';
import { defaultRegions, type Region } from './regions.js';

/** An example as a report lists it: who it is, what the model said, and one method's map. */
export interface ExampleRef extends ExampleFacts {
  readonly dataset: string;
  readonly map: ExampleMap;
  /** What the list is ranked by (a region's share, a similarity...). */
  readonly score: number;
}

/** One (true class, predicted class) pair of mistakes, with the most confident of them. */
export interface ConfusionPair {
  readonly label: number;
  readonly predicted: number;
  readonly count: number;
  /** Per method: the mean map of these mistakes. */
  readonly means: Readonly<Record<string, MeanMap>>;
  /** The most confident mistakes, per method (the same examples for every method). */
  readonly examples: Readonly<Record<string, readonly ExampleRef[]>>;
}

/** One method's maps over one (model, dataset) group. */
export interface MethodSummary {
  readonly all: MeanMap;
  /** Only over labelled examples; absent without labels. */
  readonly correct?: MeanMap;
  readonly incorrect?: MeanMap;
  /** Mean map per explained class (classes without examples are left out). */
  readonly classes: readonly (MeanMap & { readonly class: number })[];
  /** Per region: the examples with the largest share of their saliency in it. */
  readonly ranked: Readonly<Record<string, readonly ExampleRef[]>>;
}

/** Everything an audit found for one model on one dataset. */
export interface GroupSummary {
  readonly model: string;
  readonly dataset: string;
  readonly count: number;
  readonly labelled: number;
  readonly correct: number;
  /** correct / labelled; null without labels. */
  readonly accuracy: number | null;
  /** Mistakes by (label, predicted), most frequent first. */
  readonly confusion: readonly ConfusionPair[];
  readonly methods: Readonly<Record<string, MethodSummary>>;
}

/** Two models' maps of the same examples, side by side. */
export interface ExamplePair {
  readonly first: ExampleRef;
  readonly second: ExampleRef;
  /** Spearman rank correlation of the two absolute maps (at thumbnail resolution). */
  readonly similarity: number;
}

export interface Comparison {
  readonly dataset: string;
  readonly method: string;
  readonly first: string;
  readonly second: string;
  readonly count: number;
  readonly meanSimilarity: number;
  /** Mean similarity per class the first model explained. */
  readonly classes: readonly { readonly class: number; readonly count: number; readonly meanSimilarity: number }[];
  /** The examples on which the two models' maps agree least. */
  readonly leastSimilar: readonly ExamplePair[];
  /** How often the two models predict the same class. */
  readonly agreement: number;
}

export interface AuditResult {
  readonly classes: number;
  readonly classNames?: readonly string[];
  readonly models: readonly string[];
  readonly datasets: readonly string[];
  readonly methods: readonly string[];
  /** Per method: its regions' names and their share of the image (at the method's map size). */
  readonly regions: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly groups: readonly GroupSummary[];
  readonly comparisons: readonly Comparison[];
  readonly findings: readonly Finding[];
}

export interface AuditCollectorOptions extends FindingOptions {
  readonly classes: number;
  readonly classNames?: readonly string[];
  /** The regions the maps were measured on, as given to `auditBatch`; default `defaultRegions`. */
  readonly regions?: (height: number, width: number) => readonly Region[];
  /** Examples kept per ranked list; default 12. */
  readonly top?: number;
}

interface ConfusionState {
  count: number;
  readonly means: Map<string, MeanMapSum>;
  readonly examples: RankedList<AuditRecord>;
}

interface MethodState {
  readonly all: MeanMapSum;
  readonly correct: MeanMapSum;
  readonly incorrect: MeanMapSum;
  readonly classes: Map<number, MeanMapSum>;
  readonly ranked: Map<string, RankedList<ExampleRef>>;
}

interface GroupState {
  readonly model: string;
  readonly dataset: string;
  count: number;
  labelled: number;
  correct: number;
  readonly confusion: Map<string, ConfusionState>;
  readonly methods: Map<string, MethodState>;
}

interface ComparisonState {
  readonly dataset: string;
  readonly method: string;
  readonly first: string;
  readonly second: string;
  count: number;
  sum: number;
  agreements: number;
  readonly classes: Map<number, { count: number; sum: number }>;
  readonly least: RankedList<ExamplePair>;
}

/** The map's entry for `key`, made on first use. */
function entryOf<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

function refOf(dataset: string, record: AuditRecord, method: string, score: number): ExampleRef {
  const { maps, ...facts } = record;
  return { ...facts, dataset, map: maps[method]!, score };
}

/**
 * Builds an audit's result from records streamed in batch by batch: running sums for the mean
 * maps and bounded lists for the ranked examples, so memory does not grow with the dataset.
 */
export class AuditCollector {
  private readonly top: number;
  private readonly groups = new Map<string, GroupState>();
  private readonly comparisons = new Map<string, ComparisonState>();
  private readonly models: string[] = [];
  private readonly datasets: string[] = [];
  private readonly methods: string[] = [];
  /** Each method's map size: regions and their areas depend on it. */
  private readonly mapSizes = new Map<string, { height: number; width: number }>();

  constructor(private readonly options: AuditCollectorOptions) {
    if (!(Number.isInteger(options.classes) && options.classes > 0)) throw new OptionError(`classes must be a positive integer; got ${options.classes}.`);
    this.top = options.top ?? 12;
    if (!(Number.isInteger(this.top) && this.top >= 0)) throw new OptionError(`top must be a whole number; got ${options.top}.`);
  }

  /**
   * Adds one batch of a dataset: the records of every model for the same examples, in the same
   * order (the first model is the one audited; the others are compared with it).
   */
  add(dataset: string, byModel: Readonly<Record<string, readonly AuditRecord[]>>): void {
    const models = Object.keys(byModel);
    if (models.length === 0) return;
    const first = byModel[models[0]!]!;
    for (const model of models) {
      const records = byModel[model]!;
      if (records.length !== first.length || records.some((r, i) => r.index !== first[i]!.index)) {
        throw new OptionError(`The records of model ${model} do not cover the same examples as those of ${models[0]}.`);
      }
      if (!this.models.includes(model)) this.models.push(model);
      for (const record of records) this.addRecord(model, dataset, record);
    }
    if (!this.datasets.includes(dataset)) this.datasets.push(dataset);
    for (const other of models.slice(1)) this.compare(dataset, models[0]!, other, first, byModel[other]!);
  }

  private group(model: string, dataset: string): GroupState {
    const key = `${model}\u0000${dataset}`;
    let group = this.groups.get(key);
    if (!group) {
      group = { model, dataset, count: 0, labelled: 0, correct: 0, confusion: new Map(), methods: new Map() };
      this.groups.set(key, group);
    }
    return group;
  }

  private addRecord(model: string, dataset: string, record: AuditRecord): void {
    const group = this.group(model, dataset);
    group.count++;
    const labelled = record.label !== null;
    const correct = labelled && record.label === record.predicted;
    if (labelled) group.labelled++;
    if (correct) group.correct++;
    if (labelled && !correct) {
      const key = `${record.label},${record.predicted}`;
      let pair = group.confusion.get(key);
      if (!pair) {
        pair = { count: 0, means: new Map(), examples: new RankedList(Math.min(this.top, 6)) };
        group.confusion.set(key, pair);
      }
      pair.count++;
      pair.examples.offer(record.probability, () => record);
    }
    for (const [method, map] of Object.entries(record.maps)) {
      if (!this.methods.includes(method)) this.methods.push(method);
      const size = entryOf(this.mapSizes, method, () => ({ height: map.height, width: map.width }));
      if (size.height !== map.height || size.width !== map.width) {
        throw new RangeError(`The ${method} maps are ${size.height} x ${size.width} and ${map.height} x ${map.width}; audit one input size at a time.`);
      }
      let state = group.methods.get(method);
      if (!state) {
        state = { all: new MeanMapSum(), correct: new MeanMapSum(), incorrect: new MeanMapSum(), classes: new Map(), ranked: new Map() };
        group.methods.set(method, state);
      }
      state.all.add(map);
      if (labelled) (correct ? state.correct : state.incorrect).add(map);
      entryOf(state.classes, record.target, () => new MeanMapSum()).add(map);
      for (const [region, share] of Object.entries(map.shares)) {
        entryOf(state.ranked, region, () => new RankedList<ExampleRef>(this.top)).offer(share, () => refOf(dataset, record, method, share));
      }
      if (labelled && !correct) {
        const pair = group.confusion.get(`${record.label},${record.predicted}`)!;
        entryOf(pair.means, method, () => new MeanMapSum()).add(map);
      }
    }
  }

  private compare(dataset: string, first: string, second: string, a: readonly AuditRecord[], b: readonly AuditRecord[]): void {
    for (const method of Object.keys(a[0]?.maps ?? {})) {
      const key = [dataset, method, first, second].join('\u0000');
      let state = this.comparisons.get(key);
      if (!state) {
        state = { dataset, method, first, second, count: 0, sum: 0, agreements: 0, classes: new Map(), least: new RankedList(this.top) };
        this.comparisons.set(key, state);
      }
      for (let i = 0; i < a.length; i++) {
        const mapA = a[i]!.maps[method];
        const mapB = b[i]!.maps[method];
        if (!mapA || !mapB || mapA.thumbnail.length !== mapB.thumbnail.length) continue;
        const similarity = spearman(mapA.thumbnail, mapB.thumbnail);
        state.count++;
        state.sum += similarity;
        if (a[i]!.predicted === b[i]!.predicted) state.agreements++;
        const perClass = entryOf(state.classes, a[i]!.target, () => ({ count: 0, sum: 0 }));
        perClass.count++;
        perClass.sum += similarity;
        // The least similar first: rank by the negated similarity.
        state.least.offer(-similarity, () => ({ first: refOf(dataset, a[i]!, method, similarity), second: refOf(dataset, b[i]!, method, similarity), similarity }));
      }
    }
  }

  result(): AuditResult {
    const groups: GroupSummary[] = [...this.groups.values()].map((g) => ({
      model: g.model,
      dataset: g.dataset,
      count: g.count,
      labelled: g.labelled,
      correct: g.correct,
      accuracy: g.labelled > 0 ? g.correct / g.labelled : null,
      confusion: [...g.confusion.entries()]
        .map(([key, pair]): ConfusionPair => {
          const [label, predicted] = key.split(',').map(Number);
          const examples: Record<string, ExampleRef[]> = {};
          const means: Record<string, MeanMap> = {};
          for (const [method, sum] of pair.means) {
            means[method] = sum.mean();
            examples[method] = pair.examples.list().map((r) => refOf(g.dataset, r, method, r.probability));
          }
          return { label: label!, predicted: predicted!, count: pair.count, means, examples };
        })
        .sort((x, y) => y.count - x.count || x.label - y.label || x.predicted - y.predicted),
      methods: Object.fromEntries(
        [...g.methods.entries()].map(([method, s]): [string, MethodSummary] => [
          method,
          {
            all: s.all.mean(),
            ...(g.labelled > 0 ? { correct: s.correct.mean(), incorrect: s.incorrect.mean() } : {}),
            classes: [...s.classes.entries()].sort(([x], [y]) => x - y).map(([c, sum]) => ({ ...sum.mean(), class: c })),
            ranked: Object.fromEntries([...s.ranked.entries()].map(([region, list]) => [region, list.list()])),
          },
        ]),
      ),
    }));
    const comparisons: Comparison[] = [...this.comparisons.values()].map((c) => ({
      dataset: c.dataset,
      method: c.method,
      first: c.first,
      second: c.second,
      count: c.count,
      meanSimilarity: c.count > 0 ? c.sum / c.count : Number.NaN,
      agreement: c.count > 0 ? c.agreements / c.count : Number.NaN,
      classes: [...c.classes.entries()].sort(([x], [y]) => x - y).map(([cls, v]) => ({ class: cls, count: v.count, meanSimilarity: v.sum / v.count })),
      leastSimilar: c.least.list(),
    }));
    const regionsFor = this.options.regions ?? defaultRegions;
    const regions: Record<string, Record<string, number>> = {};
    for (const [method, size] of this.mapSizes) regions[method] = Object.fromEntries(regionsFor(size.height, size.width).map((r) => [r.name, r.area]));
    const findings = groups.flatMap((g) =>
      Object.entries(g.methods).flatMap(([method, summary]) => findConcentrations({ model: g.model, dataset: g.dataset, method }, summary, regions[method]!, this.options)),
    );
    return {
      classes: this.options.classes,
      ...(this.options.classNames ? { classNames: this.options.classNames } : {}),
      models: [...this.models],
      datasets: [...this.datasets],
      methods: [...this.methods],
      regions,
      groups,
      comparisons,
      findings,
    };
  }
}
