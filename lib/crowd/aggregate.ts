import { dawidSkene, type DawidSkeneSettings } from './dawid-skene';
import { encodeVotes, sortedUnique } from './encode';
import { glad, type GladSettings } from './glad';
import { mace, type MaceSettings } from './mace';
import { majorityVote, wawa, weightedMajorityVote } from './majority';
import type { CategoricalGold, CategoricalMethod, CategoricalResult, IterationReport, Vote } from './types';

export const CATEGORICAL_METHODS: readonly CategoricalMethod[] = ['mv', 'wmv', 'wawa', 'ds', 'glad', 'mace'];

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
    default:
      throw new RangeError(`unknown aggregation method "${String(method)}" (use ${CATEGORICAL_METHODS.join(', ')})`);
  }
}
