import { crowdlab, type CrowdlabSettings } from './crowdlab';
import { dawidSkene, type DawidSkeneSettings } from './dawid-skene';
import { encodeVotes, sortedUnique } from './encode';
import { glad, type GladSettings } from './glad';
import { mace, type MaceSettings } from './mace';
import { majorityVote, wawa, weightedMajorityVote } from './majority';
import type { CategoricalGold, CategoricalMethod, CategoricalResult, IterationReport, Vote } from './types';

/** The methods that need votes only. */
export const CATEGORICAL_METHODS: readonly CategoricalMethod[] = ['mv', 'wmv', 'wawa', 'ds', 'glad', 'mace'];
/** Methods that also need a model's predictions (`AggregateOptions.predictions`). */
export const MODEL_AWARE_METHODS: readonly CategoricalMethod[] = ['crowdlab'];

/** A model's calibrated prediction per item: label → probability (labels it omits get 0). */
export type CategoricalPredictions = ReadonlyMap<string, Readonly<Record<string, number>>>;

export interface AggregateOptions {
  /** Default 'ds'. */
  readonly method?: CategoricalMethod;
  readonly gold?: CategoricalGold;
  /** Vote weight per worker, used by 'ds', 'glad' and 'mace' (the majority methods count heads). */
  readonly workerWeights?: ReadonlyMap<string, number>;
  /** Known accuracies for 'wmv'. */
  readonly workerAccuracy?: ReadonlyMap<string, number>;
  readonly dawidSkene?: Partial<DawidSkeneSettings>;
  readonly glad?: Partial<GladSettings>;
  readonly mace?: Partial<MaceSettings>;
  /** Required by 'crowdlab': the model's prediction per item; items without one get none. */
  readonly predictions?: CategoricalPredictions;
  readonly crowdlab?: Partial<CrowdlabSettings>;
  readonly onIteration?: (report: IterationReport) => void;
}

/**
 * Aggregate categorical (item, worker, label) triples with one of the
 * methods — the entry point of `chorus aggregate`. The label set is every
 * label voted plus every gold answer of a voted item, in code-unit order.
 *
 * Complexity: that of the chosen method (O(V·K) per EM iteration).
 *
 * @example
 * const result = aggregateVotes(votes, { method: 'ds', gold: new Map([['c9', ['calm', 'tender']]]) });
 * itemRows(result) // [{ item, label, confidence }, …]
 */
export function aggregateVotes(votes: readonly Vote[], options: AggregateOptions = {}): CategoricalResult {
  const method = options.method ?? 'ds';
  const votedItems = new Set(votes.map((v) => v.item));
  const goldLabels = [...(options.gold ?? new Map<string, readonly string[]>())]
    .filter(([item]) => votedItems.has(item))
    .flatMap(([, accepted]) => accepted);
  const data = encodeVotes(votes, { labels: sortedUnique([...votes.map((v) => v.label), ...goldLabels]) });
  switch (method) {
    case 'mv':
      return majorityVote(data, { gold: options.gold });
    case 'wmv':
      return weightedMajorityVote(data, { gold: options.gold, workerAccuracy: options.workerAccuracy });
    case 'wawa':
      return wawa(data, { gold: options.gold });
    case 'ds':
      return dawidSkene(data, options.dawidSkene, options);
    case 'glad':
      return glad(data, options.glad, options);
    case 'mace':
      return mace(data, options.mace, options);
    case 'crowdlab': {
      if (!options.predictions) throw new RangeError('method "crowdlab" needs the model\'s predictions');
      return crowdlab(
        data,
        predictionMatrix(data.items, data.labels, options.predictions),
        options.crowdlab,
        options.dawidSkene,
        options,
      );
    }
    default:
      throw new RangeError(
        `unknown aggregation method "${String(method)}" (use ${[...CATEGORICAL_METHODS, ...MODEL_AWARE_METHODS].join(', ')})`,
      );
  }
}

/** Predictions as an items × labels matrix, each row normalised to sum 1; NaN rows for items without one. O(N·K). */
function predictionMatrix(
  items: readonly string[],
  labels: readonly string[],
  predictions: CategoricalPredictions,
): Float64Array {
  const K = labels.length;
  const out = new Float64Array(items.length * K).fill(NaN);
  items.forEach((item, i) => {
    const row = predictions.get(item);
    if (!row) return;
    const values = labels.map((label) => row[label] ?? 0);
    const sum = values.reduce((a, b) => a + b, 0);
    if (sum > 0) values.forEach((x, k) => (out[i * K + k] = x / sum));
  });
  return out;
}
