import { describe, expect, it } from 'vitest';
import {
  binaryRelevance,
  dawidSkene,
  glad,
  majorityVote,
  pearson,
  simulateCategoricalVotes,
  simulateMultiLabelVotes,
  spearman,
  weightedMajorityVote,
} from '@/lib/crowd';
import { accuracy } from './helpers';

/*
 * Planted truth: 1,000 clips, 50 workers — 40 % good, 20 % mediocre, 30 %
 * uniform spammers, 10 % always-the-same-answer — 5 distinct workers per clip.
 * With that many spammers majority vote is often outvoted by noise; the
 * models that learn who to trust should recover clearly more of the truth.
 */
const mix = { good: 0.4, mediocre: 0.2, spammer: 0.3, constant: 0.1 };

describe.each([
  { labels: 2, seed: 1 },
  { labels: 4, seed: 2 },
])('categorical simulation, $labels labels', ({ labels, seed }) => {
  const sim = simulateCategoricalVotes({ items: 1000, workers: 50, labels, votesPerItem: 5, seed, mix });
  const mvAccuracy = accuracy(majorityVote(sim.data).label, sim.truth);
  const ds = dawidSkene(sim.data);

  it('Dawid–Skene recovers the truth markedly better than majority vote', () => {
    const dsAccuracy = accuracy(ds.label, sim.truth);
    expect(dsAccuracy).toBeGreaterThan(mvAccuracy + 0.05);
    expect(1 - dsAccuracy).toBeLessThan(0.7 * (1 - mvAccuracy));
    expect(accuracy(weightedMajorityVote(sim.data).label, sim.truth)).toBeGreaterThan(mvAccuracy + 0.03);
  });

  it('its worker reliabilities track the planted accuracies', () => {
    expect(spearman(ds.reliability, sim.workerAccuracy)).toBeGreaterThan(0.85);
    expect(pearson(ds.reliability, sim.workerAccuracy)).toBeGreaterThan(0.9);
    // Spammers are told apart from good workers, not just ranked: the estimated
    // gap between the groups is most of the planted one.
    const meanOf = (values: ArrayLike<number>, kind: string) => {
      const ws = sim.workerKind.flatMap((k, w) => (k === kind ? [values[w]] : []));
      return ws.reduce((a, x) => a + x, 0) / ws.length;
    };
    const plantedGap = meanOf(sim.workerAccuracy, 'good') - meanOf(sim.workerAccuracy, 'spammer');
    const estimatedGap = meanOf(ds.reliability, 'good') - meanOf(ds.reliability, 'spammer');
    expect(estimatedGap).toBeGreaterThan(0.8 * plantedGap);
  });

  it('GLAD, the comparison model, also beats majority vote and ranks workers', () => {
    const fit = glad(sim.data);
    expect(accuracy(fit.label, sim.truth)).toBeGreaterThan(mvAccuracy + 0.05);
    expect(spearman(fit.reliability, sim.workerAccuracy)).toBeGreaterThan(0.85);
  });
});

describe('multi-label simulation (binary relevance)', () => {
  const T = 6;
  const sim = simulateMultiLabelVotes({ items: 1000, workers: 50, tags: T, prevalence: 0.3, votesPerItem: 5, seed: 4, mix });
  const fit = binaryRelevance(sim.data);

  it('beats per-tag majority vote', () => {
    const yes = new Float64Array(1000 * T);
    for (let v = 0; v < sim.data.item.length; v++) for (let t = 0; t < T; t++) yes[sim.data.item[v] * T + t] += sim.data.yes[v * T + t];
    const mvLabels = Array.from(yes, (count) => (count > 2.5 ? 1 : 0));
    const mvAccuracy = accuracy(mvLabels, sim.truth);
    const brAccuracy = accuracy(fit.label, sim.truth);
    expect(brAccuracy).toBeGreaterThan(mvAccuracy + 0.04);
    expect(1 - brAccuracy).toBeLessThan(0.6 * (1 - mvAccuracy));
  });

  it('recovers per-worker sensitivity, specificity and balanced accuracy', () => {
    const planted = Array.from(sim.sensitivity, (se, w) => (se + sim.specificity[w]) / 2);
    expect(spearman(fit.reliability, planted)).toBeGreaterThan(0.85);
    const tag0 = (rates: Float64Array) => Array.from({ length: 50 }, (_, w) => rates[w * T]);
    expect(pearson(tag0(fit.sensitivity), sim.sensitivity)).toBeGreaterThan(0.8);
    expect(pearson(tag0(fit.specificity), sim.specificity)).toBeGreaterThan(0.8);
  });
});
