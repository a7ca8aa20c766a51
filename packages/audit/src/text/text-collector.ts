import { OptionError } from '@salience/core';
import { spearman } from '@salience/sanity-checks/metrics';
import type { ExampleFacts } from '../audit-batch.js';
import { RankedList } from '../ranked-list.js';
import type { TextAuditRecord } from './text-record.js';
import { findTokenReliance, type LabelAssociation, resolveTextFindingOptions, type TextFinding, type TextFindingOptions } from './token-findings.js';
import { PUNCTUATION_GROUP, SUSPECT_GROUP, tokenDisplay, tokenGroups, tokenKey } from './token-groups.js';
import { byLift, type GroupStat, type TokenStat, TokenTally } from './token-tally.js';

/** One explained class of one method: where its attribution mass lies among the tokens. */
export interface TextClassSummary {
  readonly class: number;
  readonly examples: number;
  /** Scored tokens in its examples. */
  readonly tokens: number;
  /** Largest lift first, among tokens seen at least `minCount` times (frequency-normalised). */
  readonly top: readonly TokenStat[];
  /** Largest share first (what raw mass favours: common tokens). */
  readonly topByShare: readonly TokenStat[];
  /** Share of the class's mass on its `concentrationTokens` tokens with the largest share. */
  readonly concentration: number;
  /** The built-in and user groups: punctuation, suspect. */
  readonly groups: Readonly<Record<string, GroupStat>>;
}

/** One method over one (model, dataset) group. */
export interface TextMethodSummary {
  readonly classes: readonly TextClassSummary[];
  /** Over every labelled example, by whether the model was right (absent without labels). */
  readonly correct?: readonly TokenStat[];
  readonly incorrect?: readonly TokenStat[];
  /** The examples whose mass sits most on one token, most first. */
  readonly concentrated: readonly ConcentratedExample[];
}

/** An example as the report shows it: its tokens and one method's scores. */
export interface ConcentratedExample extends Omit<ExampleFacts, 'image'> {
  /** The tokens as they read. */
  readonly tokens: readonly string[];
  readonly scores: Float32Array;
  /** The largest share of the example's absolute mass on one token. */
  readonly peak: number;
}

export interface TextGroupSummary {
  readonly model: string;
  readonly dataset: string;
  readonly count: number;
  readonly labelled: number;
  readonly correct: number;
  /** correct / labelled; null without labels. */
  readonly accuracy: number | null;
  /** Per true class: examples, correct. */
  readonly perClass: readonly { readonly class: number; readonly labelled: number; readonly correct: number }[];
  readonly methods: Readonly<Record<string, TextMethodSummary>>;
}

/** How one class's token mass moves from the first dataset to another, for one model and method. */
export interface TokenShift {
  readonly model: string;
  readonly method: string;
  readonly from: string;
  readonly to: string;
  readonly class: number;
  readonly examples: readonly [number, number];
  /** Largest change of share first. */
  readonly tokens: readonly { readonly key: string; readonly token: string; readonly before: TokenStat; readonly after: TokenStat; readonly change: number }[];
}

/** Two models on the same texts. */
export interface TextComparison {
  readonly dataset: string;
  readonly method: string;
  readonly first: string;
  readonly second: string;
  readonly count: number;
  /** How often the two predict the same class. */
  readonly agreement: number;
  /** Mean Spearman correlation of the absolute scores, over examples both tokenised alike; null when none was. */
  readonly meanSimilarity: number | null;
  readonly compared: number;
}

export interface TextAuditResult {
  readonly classes: number;
  readonly classNames?: readonly string[];
  readonly models: readonly string[];
  readonly datasets: readonly string[];
  readonly methods: readonly string[];
  readonly suspects: readonly string[];
  readonly options: Required<TextFindingOptions> & { readonly top: number; readonly concentrationTokens: number };
  readonly groups: readonly TextGroupSummary[];
  readonly shifts: readonly TokenShift[];
  readonly comparisons: readonly TextComparison[];
  readonly findings: readonly TextFinding[];
}

export interface TextAuditCollectorOptions extends TextFindingOptions {
  readonly classes: number;
  readonly classNames?: readonly string[];
  /** Each model's token string for an id, as its tokenizer writes it (`Ġname`, `##ing`, `[UNK]`). */
  readonly tokenOf: (model: string, id: number) => string;
  /** Suspect tokens or words (matched case-insensitively, see `parseSuspects`). */
  readonly suspects?: readonly string[];
  /** Tokens listed per class and per shift; default 12. */
  readonly top?: number;
  /** How many of the largest-share tokens `concentration` adds up; default 3. */
  readonly concentrationTokens?: number;
  /** Examples kept per (model, dataset, method) to show; default 6. */
  readonly examples?: number;
}

interface MethodState {
  readonly classes: Map<number, TokenTally>;
  readonly correct: TokenTally;
  readonly incorrect: TokenTally;
  readonly concentrated: RankedList<ConcentratedExample>;
}

interface GroupState {
  readonly model: string;
  readonly dataset: string;
  count: number;
  labelled: number;
  correct: number;
  readonly perClass: Map<number, { labelled: number; correct: number }>;
  readonly methods: Map<string, MethodState>;
}

interface ComparisonState {
  count: number;
  agree: number;
  readonly similarity: Map<string, { sum: number; count: number }>;
}

/**
 * Adds up a text audit chunk by chunk, keeping per-token sums only (memory grows with the
 * vocabulary met, not with the dataset), and gives the result: per class the tokens with the
 * largest share of attribution mass for their frequency, correct against incorrect predictions,
 * clean against shifted data, two models side by side, and the findings.
 */
export class TextAuditCollector {
  private readonly o: ReturnType<typeof resolveTextFindingOptions>;
  private readonly top: number;
  private readonly concentrationTokens: number;
  private readonly suspects: ReadonlySet<string>;
  private readonly groups = new Map<string, GroupState>();
  private readonly comparisons = new Map<string, ComparisonState>();
  private readonly displays = new Map<string, string>();
  /** Per model: keys by token id (a cache of tokenOf). */
  private readonly keyCache = new Map<string, Map<number, string>>();
  /** Per model: per token key, labelled examples holding it by true class (pooled over datasets). */
  private readonly holding = new Map<string, Map<string, Int32Array>>();
  private readonly labelCounts = new Map<string, Int32Array>();
  private readonly modelOrder: string[] = [];
  private readonly datasetOrder: string[] = [];
  private readonly methodOrder: string[] = [];

  constructor(private readonly options: TextAuditCollectorOptions) {
    if (!(Number.isInteger(options.classes) && options.classes > 0)) throw new OptionError(`classes must be a positive integer; got ${options.classes}.`);
    if (typeof options.tokenOf !== 'function') throw new OptionError('tokenOf must be a function (model, id) => token string.');
    this.o = resolveTextFindingOptions(options);
    this.top = options.top ?? 12;
    this.concentrationTokens = options.concentrationTokens ?? 3;
    this.suspects = new Set((options.suspects ?? []).map(tokenKey));
  }

  private keysOf(model: string, ids: Int32Array): string[] {
    let cache = this.keyCache.get(model);
    if (!cache) {
      cache = new Map();
      this.keyCache.set(model, cache);
    }
    const keys: string[] = [];
    for (const id of ids) {
      let key = cache.get(id);
      if (key === undefined) {
        const token = this.options.tokenOf(model, id);
        key = tokenKey(token);
        cache.set(id, key);
        if (!this.displays.has(key)) this.displays.set(key, tokenDisplay(token));
      }
      keys.push(key);
    }
    return keys;
  }

  private group(model: string, dataset: string): GroupState {
    const id = `${model}\u0000${dataset}`;
    let g = this.groups.get(id);
    if (!g) {
      g = { model, dataset, count: 0, labelled: 0, correct: 0, perClass: new Map(), methods: new Map() };
      this.groups.set(id, g);
      if (!this.modelOrder.includes(model)) this.modelOrder.push(model);
      if (!this.datasetOrder.includes(dataset)) this.datasetOrder.push(dataset);
    }
    return g;
  }

  /** The records of one chunk of `dataset`, per model (the same examples, in the same order, for every model). */
  add(dataset: string, byModel: Readonly<Record<string, readonly TextAuditRecord[]>>): void {
    const models = Object.keys(byModel);
    for (const model of models) {
      const g = this.group(model, dataset);
      for (const record of byModel[model]!) this.addRecord(g, record);
    }
    if (models.length >= 2) this.compare(dataset, models[0]!, models[1]!, byModel[models[0]!]!, byModel[models[1]!]!);
  }

  private addRecord(g: GroupState, r: TextAuditRecord): void {
    const classes = this.options.classes;
    if (!(r.target >= 0 && r.target < classes) || !(r.predicted >= 0 && r.predicted < classes)) {
      throw new OptionError(`Record ${r.index} (${r.name}) names a class outside 0..${classes - 1}.`);
    }
    const keys = this.keysOf(g.model, r.ids);
    g.count++;
    const labelled = r.label !== null;
    const right = labelled && r.label === r.predicted;
    if (labelled) {
      const label = r.label as number;
      g.labelled++;
      if (right) g.correct++;
      const pc = g.perClass.get(label) ?? { labelled: 0, correct: 0 };
      pc.labelled++;
      if (right) pc.correct++;
      g.perClass.set(label, pc);
      this.countLabel(g.model, label, keys);
    }
    for (const [method, scores] of Object.entries(r.scores)) {
      if (!this.methodOrder.includes(method)) this.methodOrder.push(method);
      let m = g.methods.get(method);
      if (!m) {
        m = { classes: new Map(), correct: new TokenTally(), incorrect: new TokenTally(), concentrated: new RankedList(this.options.examples ?? 6) };
        g.methods.set(method, m);
      }
      let tally = m.classes.get(r.target);
      if (!tally) {
        tally = new TokenTally();
        m.classes.set(r.target, tally);
      }
      tally.add(keys, scores);
      if (labelled) (right ? m.correct : m.incorrect).add(keys, scores);
      const peak = peakShare(scores);
      m.concentrated.offer(peak, () => ({
        index: r.index,
        name: r.name,
        label: r.label,
        predicted: r.predicted,
        probability: r.probability,
        target: r.target,
        tokens: keys.map(this.display),
        scores: Float32Array.from(scores),
        peak,
      }));
    }
  }

  /** Label association counts: each labelled example counts once per distinct token it holds. */
  private countLabel(model: string, label: number, keys: readonly string[]): void {
    const classes = this.options.classes;
    let holding = this.holding.get(model);
    let counts = this.labelCounts.get(model);
    if (!holding || !counts) {
      holding = new Map();
      counts = new Int32Array(classes);
      this.holding.set(model, holding);
      this.labelCounts.set(model, counts);
    }
    counts[label]!++;
    for (const key of new Set(keys)) {
      let row = holding.get(key);
      if (!row) {
        row = new Int32Array(classes);
        holding.set(key, row);
      }
      row[label]!++;
    }
  }

  private compare(dataset: string, first: string, second: string, a: readonly TextAuditRecord[], b: readonly TextAuditRecord[]): void {
    if (a.length !== b.length) throw new OptionError(`The two models have ${a.length} and ${b.length} records for the same chunk of ${dataset}.`);
    const id = `${dataset}\u0000${first}\u0000${second}`;
    let c = this.comparisons.get(id);
    if (!c) {
      c = { count: 0, agree: 0, similarity: new Map() };
      this.comparisons.set(id, c);
    }
    for (let i = 0; i < a.length; i++) {
      c.count++;
      if (a[i]!.predicted === b[i]!.predicted) c.agree++;
      const sameTokens = a[i]!.ids.length === b[i]!.ids.length && a[i]!.ids.length >= 2 && a[i]!.ids.every((v, k) => v === b[i]!.ids[k]);
      for (const method of Object.keys(a[i]!.scores)) {
        const s = c.similarity.get(method) ?? { sum: 0, count: 0 };
        c.similarity.set(method, s);
        const x = b[i]!.scores[method];
        if (!sameTokens || !x) continue;
        const rho = spearman(Array.from(a[i]!.scores[method]!, Math.abs), Array.from(x, Math.abs));
        if (Number.isFinite(rho)) {
          s.sum += rho;
          s.count++;
        }
      }
    }
  }

  private display = (key: string): string => this.displays.get(key) ?? key;

  private groupsOf = (key: string): string[] => tokenGroups(key, this.suspects);

  /** Max over classes c of P(label = c | token) / P(label = c) over a model's labelled examples (every dataset), with the examples holding the token. */
  private association(model: string): LabelAssociation | null {
    const holding = this.holding.get(model);
    const counts = this.labelCounts.get(model);
    if (!holding || !counts) return null;
    const total = counts.reduce((n, v) => n + v, 0);
    return (key) => {
      const row = holding.get(key);
      const support = row ? row.reduce((n, v) => n + v, 0) : 0;
      if (!row || support === 0 || total === 0) return null;
      let lift = 0;
      for (let c = 0; c < counts.length; c++) if (counts[c]! > 0) lift = Math.max(lift, row[c]! / support / (counts[c]! / total));
      return { lift, support };
    };
  }

  private classSummary(cls: number, tally: TokenTally): TextClassSummary {
    const stats = tally.stats(this.display);
    const byShare = [...stats].sort((a, b) => b.share - a.share || (a.key < b.key ? -1 : 1));
    const concentration = byShare.slice(0, this.concentrationTokens).reduce((n, s) => n + s.share, 0);
    const groups: Record<string, GroupStat> = {};
    for (const name of [PUNCTUATION_GROUP, ...(this.suspects.size > 0 ? [SUSPECT_GROUP] : [])]) {
      groups[name] = tally.group((key) => this.groupsOf(key).includes(name), this.display);
    }
    return {
      class: cls,
      examples: tally.examples,
      tokens: tally.tokens,
      top: byLift(stats, this.o.minCount, this.top),
      topByShare: byShare.slice(0, this.top),
      concentration,
      groups,
    };
  }

  result(): TextAuditResult {
    const groups: TextGroupSummary[] = [];
    const findings: TextFinding[] = [];
    const states = [...this.groups.values()];
    for (const g of states) {
      const association = this.association(g.model);
      const methods: Record<string, TextMethodSummary> = {};
      for (const [method, m] of g.methods) {
        const classes = [...m.classes.entries()].sort((a, b) => a[0] - b[0]);
        methods[method] = {
          classes: classes.map(([cls, tally]) => this.classSummary(cls, tally)),
          ...(g.labelled > 0
            ? { correct: byLift(m.correct.stats(this.display), this.o.minCount, this.top), incorrect: byLift(m.incorrect.stats(this.display), this.o.minCount, this.top) }
            : {}),
          concentrated: m.concentrated.list(),
        };
        for (const [cls, tally] of classes) {
          findings.push(
            ...findTokenReliance({ model: g.model, dataset: g.dataset, method, class: cls }, tally, { display: this.display, groups: this.groupsOf, association }, this.options),
          );
        }
      }
      groups.push({
        model: g.model,
        dataset: g.dataset,
        count: g.count,
        labelled: g.labelled,
        correct: g.correct,
        accuracy: g.labelled > 0 ? g.correct / g.labelled : null,
        perClass: [...g.perClass.entries()].sort((a, b) => a[0] - b[0]).map(([cls, v]) => ({ class: cls, ...v })),
        methods,
      });
    }
    return {
      classes: this.options.classes,
      ...(this.options.classNames ? { classNames: this.options.classNames } : {}),
      models: [...this.modelOrder],
      datasets: [...this.datasetOrder],
      methods: [...this.methodOrder],
      suspects: [...this.suspects],
      options: { ...this.o, top: this.top, concentrationTokens: this.concentrationTokens },
      groups,
      shifts: this.shifts(),
      comparisons: [...this.comparisons.entries()].flatMap(([id, c]) => {
        const [dataset, first, second] = id.split('\u0000') as [string, string, string];
        return [...c.similarity.entries()].map(([method, s]) => ({
          dataset,
          method,
          first,
          second,
          count: c.count,
          agreement: c.count > 0 ? c.agree / c.count : 0,
          meanSimilarity: s.count > 0 ? s.sum / s.count : null,
          compared: s.count,
        }));
      }),
      findings: findings.sort((a, b) => b.share - a.share),
    };
  }

  /** Per model, method and class: the tokens whose share moves most from the first dataset to each other one. */
  private shifts(): TokenShift[] {
    const [from, ...others] = this.datasetOrder;
    const out: TokenShift[] = [];
    for (const model of this.modelOrder) {
      const base = this.groups.get(`${model}\u0000${from}`);
      if (!base) continue;
      for (const to of others) {
        const other = this.groups.get(`${model}\u0000${to}`);
        if (!other) continue;
        for (const [method, m] of base.methods) {
          const n = other.methods.get(method);
          if (!n) continue;
          const classes = [...new Set([...m.classes.keys(), ...n.classes.keys()])].sort((a, b) => a - b);
          for (const cls of classes) {
            const a = m.classes.get(cls) ?? new TokenTally();
            const b = n.classes.get(cls) ?? new TokenTally();
            const keys = [...new Set([...a.keys(), ...b.keys()])];
            const tokens = keys
              .map((key) => ({ key, token: this.display(key), before: a.stat(key, this.display), after: b.stat(key, this.display) }))
              .filter((t) => Math.max(t.before.count, t.after.count) >= this.o.minCount)
              .map((t) => ({ ...t, change: t.after.share - t.before.share }))
              .sort((x, y) => Math.abs(y.change) - Math.abs(x.change) || (x.key < y.key ? -1 : 1))
              .slice(0, this.top);
            out.push({ model, method, from: from!, to, class: cls, examples: [a.examples, b.examples], tokens });
          }
        }
      }
    }
    return out;
  }
}

/** The largest share of an example's absolute mass on one token (0 for an all-zero map). */
function peakShare(scores: ArrayLike<number>): number {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < scores.length; i++) {
    const v = Math.abs(scores[i]!);
    sum += v;
    if (v > max) max = v;
  }
  return sum > 0 && Number.isFinite(sum) ? max / sum : 0;
}
