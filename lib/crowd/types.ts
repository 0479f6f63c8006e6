/**
 * Shared shapes of the crowd-aggregation module. Inputs are plain triples or
 * their integer-indexed ("encoded") form; results are typed arrays indexed by
 * the same integers, with the string ids alongside.
 */

/** One categorical vote: worker `worker` said item `item` is `label`. */
export interface Vote {
  readonly item: string;
  readonly worker: string;
  readonly label: string;
}

/**
 * Votes as parallel integer columns (vote v: item[v], worker[v], label[v]),
 * indexing into `items`, `workers`, `labels`. The EM loops run on this form.
 */
export interface EncodedVotes {
  readonly items: readonly string[];
  readonly workers: readonly string[];
  readonly labels: readonly string[];
  readonly item: Int32Array;
  readonly worker: Int32Array;
  readonly label: Int32Array;
}

/**
 * Gold (honeypot) answers for categorical items: item id → the answers
 * accepted as correct. More than one answer tolerates subjective items.
 */
export type CategoricalGold = ReadonlyMap<string, readonly string[]>;

/** The crowd-only methods, and 'crowdlab' (crowd + a model's predictions, ./crowdlab.ts). */
export type CategoricalMethod = 'mv' | 'wmv' | 'wawa' | 'ds' | 'glad' | 'mace' | 'crowdlab';

/**
 * What every categorical method returns. Per item i and label k,
 * `posterior[i * labels.length + k]` = P(true label of i is k | votes).
 */
export interface CategoricalResult {
  readonly method: CategoricalMethod;
  readonly items: readonly string[];
  readonly workers: readonly string[];
  readonly labels: readonly string[];
  /** nItems × nLabels, rows sum to 1. */
  readonly posterior: Float64Array;
  /** Index of the most probable label per item (ties → lowest index). */
  readonly label: Int32Array;
  /** Posterior of the chosen label per item. */
  readonly confidence: Float64Array;
  /**
   * Per worker: estimated probability that one of their votes is correct,
   * the mean of Beta(1 + c, 1 + n − c) where c is the expected number of
   * correct votes among n (see each method for how c is obtained).
   */
  readonly reliability: Float64Array;
  /** Standard deviation of that Beta posterior: large for few votes. */
  readonly reliabilityStd: Float64Array;
  /** Number of votes per worker. */
  readonly workerVotes: Int32Array;
  /** EM iterations run (0 for the one-pass methods). */
  readonly iterations: number;
  /** Whether the tolerance was reached before the iteration cap. */
  readonly converged: boolean;
}

/** One output row per item, as the CLI and the database want it. */
export interface ItemRow {
  readonly item: string;
  readonly label: string;
  readonly confidence: number;
}

/** One output row per worker. */
export interface WorkerRow {
  readonly worker: string;
  readonly reliability: number;
  readonly reliabilityStd: number;
  readonly votes: number;
}

/** Progress report from an EM loop, one per iteration (for jobs' progress bars and benches). */
export interface IterationReport {
  readonly iteration: number;
  /** Largest absolute change of any posterior probability in this iteration. */
  readonly maxChange: number;
  /** Log-likelihood plus log-prior after the E-step. */
  readonly objective: number;
}
