import { describe, expect, it } from 'vitest';
import {
  aggregateVotes,
  binaryRelevance,
  encodeMultiLabelVotes,
  simulateCategoricalVotes,
  simulateMultiLabelVotes,
  type MultiLabelVote,
} from '@/lib/crowd';
import { categoricalEvidence, crowdlabMultiLabel, modelWeight, tagEvidence, withModelEvidence } from '@/lib/crowd/crowdlab';
import { createRng } from '@/lib/util/random';
import { decodeVotes, permuteVotes } from './helpers';

/*
 * Model-aware aggregation (lib/crowd/crowdlab.ts): the combination formula and the weight worked
 * by hand, then the invariants — a perfect model decides, a useless or adversarial one leaves
 * Dawid–Skene as it was, renaming and reordering change nothing, and a calibrated model with 10 %
 * error lifts accuracy above Dawid–Skene's.
 */

describe('the combination, by hand', () => {
  it('adds w · (logit q − logit q̄) to a clip’s log-odds', () => {
    // crowd p = 0.5, q = 0.8, q̄ = 0.5, w = 0.5: logit = 0.5 · log 4 = log 2 → p = 2/3.
    expect(withModelEvidence([0.5], [0.8], { weights: [0.5], means: [0.5] }, ['calm'])[0]).toBeCloseTo(2 / 3, 12);
    // crowd p = 0.9 (log-odds log 9), q = 0.25 against q̄ = 0.5 at w = 1: log 9 − log 3 = log 3 → 0.75.
    expect(withModelEvidence([0.9], [0.25], { weights: [1], means: [0.5] }, ['calm'])[0]).toBeCloseTo(0.75, 12);
    // No prediction, a zero weight, or a gold tag: unchanged.
    expect(withModelEvidence([0.3], undefined, { weights: [1], means: [0.5] }, ['calm'])).toEqual([0.3]);
    expect(withModelEvidence([0.3], [0.99], { weights: [0], means: [0.5] }, ['calm'])).toEqual([0.3]);
    expect(withModelEvidence([1], [0.01], { weights: [1], means: [0.5] }, ['calm'], { calm: true })).toEqual([1]);
  });

  it('per tag: the model’s mean prediction is its prior, so only the departure from it is evidence', () => {
    // Tag 0: q = 0.8 and 0.2 (mean 0.5) → ± log 4. Tag 1: constant 0.3 → no evidence at all.
    const e = tagEvidence(Float64Array.of(0.8, 0.3, 0.2, 0.3), [1, 1]);
    expect(e[0]).toBeCloseTo(Math.log(4), 12);
    expect(e[2]).toBeCloseTo(-Math.log(4), 12);
    expect(e[1]).toBe(0);
    expect(e[3]).toBe(0);
  });

  it('categorical: w · (log q_k − log q̄_k), nothing for an item the model did not score', () => {
    // Rows (0.6, 0.4), (0.2, 0.8), unscored; mean (0.4, 0.6); w = 0.5.
    const e = categoricalEvidence(Float64Array.of(0.6, 0.4, 0.2, 0.8, NaN, NaN), 2, 0.5);
    expect(Array.from(e.subarray(0, 4))).toEqual(
      [0.5 * Math.log(1.5), 0.5 * Math.log(2 / 3), 0.5 * Math.log(0.5), 0.5 * Math.log(4 / 3)].map((x) => expect.closeTo(x, 12)),
    );
    expect(Array.from(e.subarray(4))).toEqual([0, 0]);
  });

  it('the weight is the model’s calibration slope against the consensus (worked: right on 4 of 6 → 0.5)', () => {
    // Consensus certain: classes 0,0,0,1,1,1. The model says 0.8 for its guess, guesses 0,0,1,1,1,0:
    // right on 4. Its mean is (0.5, 0.5), so u = ± log 4 and the likelihood is maximal at
    // σ(w · log 4) = 4/6, i.e. w = log 2 / log 4 = 0.5. CROWDLAB's 1 − (1/3)/(1/2) = 1/3.
    const consensus = Float64Array.of(1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1);
    const predictions = Float64Array.of(0.8, 0.2, 0.8, 0.2, 0.2, 0.8, 0.2, 0.8, 0.2, 0.8, 0.8, 0.2);
    const w = modelWeight(consensus, predictions, new Array(6).fill(true), 2);
    expect(w.weight).toBeCloseTo(0.5, 7);
    expect(w.modelAccuracy).toBeCloseTo(4 / 6, 12);
    expect(w.baselineAccuracy).toBeCloseTo(0.5, 12);
    expect(w.crowdlabWeight).toBeCloseTo(1 / 3, 12);
    expect(w.referenceItems).toBe(6);
    // Only the reference items count: without the two wrong ones the model is always right → w capped at 1.
    expect(modelWeight(consensus, predictions, [true, true, false, true, true, false], 2).weight).toBe(1);
    // No reference item: nothing is known about the model, so it gets no say.
    expect(modelWeight(consensus, predictions, new Array(6).fill(false), 2).weight).toBe(0);
  });
});

/**
 * A multi-label crowd with planted truth: `votesPerItem` answers per clip, except the first fifth
 * of the clips, which keep 5 (the settled clips the model is weighed on); and models for it.
 */
function planted(seed: number, votesPerItem: number, items = 500) {
  const sim = simulateMultiLabelVotes({ items, workers: 20, tags: 4, prevalence: 0.3, votesPerItem: 5, seed });
  const T = sim.data.tags.length;
  const kept: MultiLabelVote[] = [];
  const seen = new Int32Array(items);
  sim.data.item.forEach((i, v) => {
    if (i >= items / 5 && seen[i] >= votesPerItem) return;
    seen[i]++;
    kept.push({
      item: sim.data.items[i],
      worker: sim.data.workers[sim.data.worker[v]],
      tags: sim.data.tags.filter((_, t) => sim.data.yes[v * T + t] === 1),
    });
  });
  // Items keep their order (numbered by first appearance), so truth rows still line up.
  const data = encodeMultiLabelVotes(kept, sim.data.tags);
  const N = data.items.length;
  /** The truth flipped with probability e, reported as the calibrated P(tag | guess). */
  const noisyModel = (e: number, rngSeed: number) => {
    const rng = createRng(rngSeed);
    return Float64Array.from(sim.truth, (y) => {
      const guess = rng() < e ? 1 - y : y;
      return guess ? (0.3 * (1 - e)) / (0.3 * (1 - e) + 0.7 * e) : (0.3 * e) / (0.3 * e + 0.7 * (1 - e));
    });
  };
  return { data, truth: sim.truth, N, T, noisyModel };
}

const tagAccuracy = (posterior: Float64Array, truth: Uint8Array) => {
  let right = 0;
  for (let x = 0; x < truth.length; x++) if ((posterior[x] >= 0.5 ? 1 : 0) === truth[x]) right++;
  return right / truth.length;
};

const largestChange = (a: Float64Array, b: Float64Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

describe('invariants (multi-label, binary relevance per tag)', () => {
  it('a perfect model dominates: it decides every tag the crowd is not sure of, and beats the crowd', () => {
    const { data, truth } = planted(3, 2);
    const fit = crowdlabMultiLabel(data, Float64Array.from(truth));
    for (const m of fit.model) expect(m.weight).toBeGreaterThan(0.25);
    const crowd = tagAccuracy(fit.crowdOnly.posterior, truth);
    expect(crowd).toBeLessThan(0.95);
    expect(tagAccuracy(fit.fit.posterior, truth)).toBeGreaterThan(0.995);
    // Wherever the crowd alone is below 98 % sure, the model's answer is the label.
    let unsure = 0;
    fit.crowdOnly.posterior.forEach((p, x) => {
      if (p < 0.02 || p > 0.98) return;
      unsure++;
      expect(fit.fit.posterior[x] >= 0.5 ? 1 : 0).toBe(truth[x]);
    });
    expect(unsure).toBeGreaterThan(100);
  });

  it('a model that always predicts the prior, or one that is anti-correlated, leaves Dawid–Skene as it was', () => {
    const { data, truth, N, T, noisyModel } = planted(4, 2);
    const ds = binaryRelevance(data);
    const constant = crowdlabMultiLabel(data, new Float64Array(N * T).fill(0.3));
    expect(largestChange(constant.fit.posterior, ds.posterior)).toBeLessThan(1e-12);
    // A good model's output turned upside down (right 10 % of the time, claiming 90 %): the best slope is 0.
    const adversarial = crowdlabMultiLabel(
      data,
      noisyModel(0.1, 9).map((q) => 1 - q),
    );
    expect(adversarial.model.map((m) => m.weight)).toEqual([0, 0, 0, 0]);
    expect(Array.from(adversarial.fit.posterior)).toEqual(Array.from(ds.posterior));
    expect(tagAccuracy(ds.posterior, truth)).toBeLessThan(1);
  });

  it('a model with accuracy = the prior (predictions independent of the truth) gets ≈ no weight and changes ≈ nothing', () => {
    const { data, N, T } = planted(5, 2, 2000);
    const rng = createRng(77);
    // Confident-looking but uninformative: "0.6" for a random 30 % of cells, "0.2" for the rest.
    const useless = Float64Array.from({ length: N * T }, () => (rng() < 0.3 ? 0.6 : 0.2));
    const ds = binaryRelevance(data);
    const fit = crowdlabMultiLabel(data, useless);
    // Sampling noise of the slope over 400 reference clips is ≈ 0.05.
    for (const m of fit.model) expect(m.weight).toBeLessThan(0.12);
    let flipped = 0;
    for (let x = 0; x < N * T; x++) if (fit.fit.posterior[x] >= 0.5 !== ds.posterior[x] >= 0.5) flipped++;
    expect(flipped / (N * T)).toBeLessThan(0.01);
    expect(largestChange(fit.fit.posterior, ds.posterior)).toBeLessThan(0.1);
  });

  it('renaming and reordering clips and workers changes nothing', () => {
    const { data: original, N, T, noisyModel } = planted(6, 2);
    const predictions = noisyModel(0.15, 3);
    const votes: MultiLabelVote[] = Array.from(original.item, (i, v) => ({
      item: original.items[i],
      worker: original.workers[original.worker[v]],
      tags: original.tags.filter((_, t) => original.yes[v * T + t] === 1),
    }));
    const rng = createRng(12);
    const order = votes.map((_, v) => v).sort(() => rng() - 0.5);
    const rename = (id: string) => `x-${id.split('').reverse().join('')}`;
    const data = encodeMultiLabelVotes(
      order.map((v) => ({ ...votes[v], item: rename(votes[v].item), worker: rename(votes[v].worker) })),
      original.tags,
    );
    const from = new Map(original.items.map((id, i) => [rename(id), i]));
    const permuted = new Float64Array(N * T);
    data.items.forEach((id, i) => permuted.set(predictions.subarray(from.get(id)! * T, (from.get(id)! + 1) * T), i * T));
    const tight = { tolerance: 1e-12, maxIterations: 5000 };
    const a = crowdlabMultiLabel(original, predictions, {}, tight);
    const b = crowdlabMultiLabel(data, permuted, {}, tight);
    a.model.forEach((m, t) => expect(b.model[t].weight).toBeCloseTo(m.weight, 6));
    data.items.forEach((id, i) => {
      const j = from.get(id)!;
      for (let t = 0; t < T; t++) expect(b.fit.posterior[i * T + t]).toBeCloseTo(a.fit.posterior[j * T + t], 6);
    });
  });

  it('a calibrated model with 10 % error lifts tag accuracy above Dawid–Skene at 1, 2 and 3 votes per clip', () => {
    for (const votesPerItem of [1, 2, 3]) {
      const { data, truth, noisyModel } = planted(8, votesPerItem);
      const ds = tagAccuracy(binaryRelevance(data).posterior, truth);
      const fit = crowdlabMultiLabel(data, noisyModel(0.1, 21));
      expect(tagAccuracy(fit.fit.posterior, truth)).toBeGreaterThan(ds + 0.01);
    }
  });
});

describe('categorical crowdlab through aggregateVotes (chorus aggregate --method crowdlab)', () => {
  const sim = simulateCategoricalVotes({ items: 300, workers: 15, labels: 3, votesPerItem: 3, seed: 11 });
  const votes = decodeVotes(sim.data);
  const truthOf = new Map(sim.data.items.map((id, i) => [id, sim.data.labels[sim.truth[i]]]));
  const accuracy = (r: ReturnType<typeof aggregateVotes>) =>
    r.items.filter((id, i) => r.labels[r.label[i]] === truthOf.get(id)).length / r.items.length;

  it('needs predictions', () => {
    expect(() => aggregateVotes(votes, { method: 'crowdlab' })).toThrow(/needs the model's predictions/);
  });

  it('a perfect model dominates; a constant one leaves Dawid–Skene as it was', () => {
    const perfect = new Map(sim.data.items.map((id) => [id, { [truthOf.get(id)!]: 1 }]));
    const withPerfect = aggregateVotes(votes, { method: 'crowdlab', predictions: perfect });
    const ds = aggregateVotes(votes, { method: 'ds' });
    expect(withPerfect.method).toBe('crowdlab');
    expect(accuracy(ds)).toBeLessThan(0.95);
    expect(accuracy(withPerfect)).toBeGreaterThan(0.99);
    // Wherever Dawid–Skene is below 98 % sure, the model's answer is the label.
    ds.items.forEach((id, i) => {
      if (ds.confidence[i] < 0.98) expect(withPerfect.labels[withPerfect.label[i]]).toBe(truthOf.get(id));
    });
    const flat = new Map(sim.data.items.map((id) => [id, Object.fromEntries(sim.data.labels.map((l) => [l, 1 / 3]))]));
    const withFlat = aggregateVotes(votes, { method: 'crowdlab', predictions: flat });
    expect(withFlat.posterior.reduce((m, x, i) => Math.max(m, Math.abs(x - ds.posterior[i])), 0)).toBeLessThan(1e-12);
  });

  it('does not depend on how items and workers are named or ordered', () => {
    const rng = createRng(5);
    const predictions = new Map(
      sim.data.items.map((id, i) => {
        const guess = rng() < 0.8 ? sim.truth[i] : (sim.truth[i] + 1) % 3;
        return [id, Object.fromEntries(sim.data.labels.map((l, k) => [l, k === guess ? 0.8 : 0.1]))];
      }),
    );
    const tight = { dawidSkene: { tolerance: 1e-12, maxIterations: 5000 } };
    const a = aggregateVotes(votes, { method: 'crowdlab', predictions, ...tight });
    const { votes: permuted, itemName } = permuteVotes(votes, 3);
    const renamed = new Map([...predictions].map(([id, row]) => [itemName.get(id)!, row]));
    const b = aggregateVotes(permuted, { method: 'crowdlab', predictions: renamed, ...tight });
    const K = a.labels.length;
    a.items.forEach((id, i) => {
      const j = b.items.indexOf(itemName.get(id)!);
      for (let k = 0; k < K; k++) expect(b.posterior[j * K + k]).toBeCloseTo(a.posterior[i * K + k], 6);
    });
    expect(accuracy(a)).toBeGreaterThan(accuracy(aggregateVotes(votes, { method: 'ds' })));
  });
});
