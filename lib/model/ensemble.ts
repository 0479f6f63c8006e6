/**
 * Bootstrap committees for query-by-committee active learning.
 */
import { createRng, hashString } from '@/lib/util/random';
import { predict, trainClassifier, type TrainedModel, type TrainingData, type TrainOptions } from './train';

/**
 * Trains `members` classifiers, each on a bootstrap resample of the data
 * (Breiman, "Bagging predictors", Machine Learning 24, 1996; used as the
 * committee of query-by-bagging, Abe & Mamitsuka, ICML 1998).
 *
 * A resample draws n rows with replacement; instead of copying rows, each
 * row's example weight is multiplied by how many times it was drawn, which
 * is the same weighted objective at no memory cost. Member m uses seed
 * hash(`${seed}:${m}`) for both its resample and its training.
 * Complexity: members × one training run.
 *
 * @example const committee = trainBootstrapCommittee(data, { kind: 'logistic', seed: 1, standardization }, 5);
 */
export function trainBootstrapCommittee(data: TrainingData, options: TrainOptions, members: number): TrainedModel[] {
  if (!Number.isInteger(members) || members < 2) throw new Error(`trainBootstrapCommittee: need at least 2 members, got ${members}`);
  const models: TrainedModel[] = [];
  for (let m = 0; m < members; m++) {
    const seed = hashString(`${options.seed}:${m}`);
    const rng = createRng(seed);
    const counts = new Float64Array(data.n);
    for (let k = 0; k < data.n; k++) counts[Math.floor(rng() * data.n)]++;
    for (let i = 0; i < data.n; i++) counts[i] *= data.weights ? data.weights[i] : 1;
    models.push(trainClassifier({ ...data, weights: counts }, { ...options, seed }));
  }
  return models;
}

/** Each member's n×t calibrated probabilities for the rows of x. O(members · predict). */
export function predictCommittee(models: TrainedModel[], x: Float32Array | Float64Array, n: number): Float64Array[] {
  return models.map((model) => predict(model, x, n).probs);
}
