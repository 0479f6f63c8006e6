import { describe, expect, it } from 'vitest';
import {
  dawidSkene,
  encodeVotes,
  majorityVote,
  simulateCategoricalVotes,
  workerConfusion,
  type Vote,
} from '@/lib/crowd';
import { accuracy, decodeVotes, permuteVotes, votesFrom } from './helpers';

/*
 * Hand-worked example: 3 workers (A, B, C), 5 items, binary labels
 * ("no" = 0, "yes" = 1), Laplace priors (every Dirichlet pseudo-count = 1).
 *
 *          A    B    C     soft MV init P(yes)
 *   i1    yes  yes  yes    1
 *   i2    yes  yes  no     2/3
 *   i3    no   no   no     0
 *   i4    no   no   yes    1/3
 *   i5    yes  no   yes    2/3
 *
 * M-step. Class prior: P(yes) = (1 + 2/3 + 0 + 1/3 + 2/3 + 1) / (5 + 2) = 11/21, P(no) = 10/21.
 * Confusion rows are expected counts + 1 per cell, over the row total + 2.
 *   A, truth yes: says yes on i1, i2, i5 → 1 + 2/3 + 2/3 = 7/3; says no on i3, i4 → 0 + 1/3 = 1/3
 *                 π_A[yes] = (7/3 + 1, 1/3 + 1) / (8/3 + 2) = (5/7, 2/7)        (P(say yes), P(say no))
 *   A, truth no:  says yes: 0 + 1/3 + 1/3 = 2/3; says no: 1 + 2/3 = 5/3
 *                 π_A[no]  = (2/3 + 1, 5/3 + 1) / (7/3 + 2) = (5/13, 8/13)
 *   B (yes, yes, no, no, no):  π_B[yes] = (5/3 + 1, 1 + 1) / (14/3) = (4/7, 3/7)
 *                              π_B[no]  = (1/3 + 1, 2 + 1) / (13/3) = (4/13, 9/13)
 *   C (yes, no, no, yes, yes): π_C[yes] = (2 + 1, 2/3 + 1) / (14/3) = (9/14, 5/14)
 *                              π_C[no]  = (1 + 1, 4/3 + 1) / (13/3) = (6/13, 7/13)
 * E-step, e.g. i5 (A yes, B no, C yes):
 *   yes: 11/21 · 5/7 · 3/7 · 9/14   = 0.103082
 *   no:  10/21 · 5/13 · 9/13 · 6/13 = 0.058521
 *   P(yes | votes) = 0.103082 / (0.103082 + 0.058521) = 0.637871
 * likewise i1 → 0.840874, i2 → 0.715614, i3 → 0.173346, i4 → 0.305730.
 */
const handVotes = votesFrom([
  ['i1', 'A', 'yes'], ['i1', 'B', 'yes'], ['i1', 'C', 'yes'],
  ['i2', 'A', 'yes'], ['i2', 'B', 'yes'], ['i2', 'C', 'no'],
  ['i3', 'A', 'no'], ['i3', 'B', 'no'], ['i3', 'C', 'no'],
  ['i4', 'A', 'no'], ['i4', 'B', 'no'], ['i4', 'C', 'yes'],
  ['i5', 'A', 'yes'], ['i5', 'B', 'no'], ['i5', 'C', 'yes'],
]);
const laplace = { correctPseudoCount: 1, errorPseudoCount: 1, classPseudoCount: 1 };

describe('dawidSkene — hand-worked 3 workers × 5 items', () => {
  const data = encodeVotes(handVotes);

  it('one EM iteration reproduces the hand computation', () => {
    const fit = dawidSkene(data, { ...laplace, maxIterations: 1 });
    expect(data.labels).toEqual(['no', 'yes']);
    const frac = (p: number[], q: number[]) => p.reduce((a, x) => a * x, 1) / (p.reduce((a, x) => a * x, 1) + q.reduce((a, x) => a * x, 1));
    const expected = [
      frac([11 / 21, 5 / 7, 4 / 7, 9 / 14], [10 / 21, 5 / 13, 4 / 13, 6 / 13]),
      frac([11 / 21, 5 / 7, 4 / 7, 5 / 14], [10 / 21, 5 / 13, 4 / 13, 7 / 13]),
      frac([11 / 21, 2 / 7, 3 / 7, 5 / 14], [10 / 21, 8 / 13, 9 / 13, 7 / 13]),
      frac([11 / 21, 2 / 7, 3 / 7, 9 / 14], [10 / 21, 8 / 13, 9 / 13, 6 / 13]),
      frac([11 / 21, 5 / 7, 3 / 7, 9 / 14], [10 / 21, 5 / 13, 9 / 13, 6 / 13]),
    ];
    const pYes = data.items.map((_, i) => fit.posterior[i * 2 + 1]);
    expect(pYes.map((p) => p.toFixed(6))).toEqual(['0.840874', '0.715614', '0.173346', '0.305730', '0.637871']);
    pYes.forEach((p, i) => expect(p).toBeCloseTo(expected[i], 12));
    const a = data.workers.indexOf('A');
    // Rows are [truth no, truth yes] × [say no, say yes].
    expect(workerConfusion(fit, a)[1][1]).toBeCloseTo(5 / 7, 12);
    expect(workerConfusion(fit, a)[0][0]).toBeCloseTo(8 / 13, 12);
    expect(fit.classPrior[1]).toBeCloseTo(11 / 21, 12);
  });

  it('runs to convergence; posterior rows sum to 1; labels match the majority on this easy case', () => {
    const fit = dawidSkene(data, laplace);
    expect(fit.converged).toBe(true);
    expect(Array.from(fit.label, (k) => data.labels[k])).toEqual(['yes', 'yes', 'no', 'no', 'yes']);
    for (let i = 0; i < 5; i++) expect(fit.posterior[2 * i] + fit.posterior[2 * i + 1]).toBeCloseTo(1, 12);
  });
});

describe('dawidSkene — properties', () => {
  const sim = simulateCategoricalVotes({ items: 300, workers: 15, labels: 3, votesPerItem: 4, seed: 11 });
  const votes = decodeVotes(sim.data);
  const tight = { tolerance: 1e-11, maxIterations: 500 };

  it('permuting votes, items, workers or renaming labels changes nothing', () => {
    const base = dawidSkene(encodeVotes(votes), tight);
    const byItem = new Map(base.items.map((id, i) => [id, Array.from(base.posterior.subarray(i * 3, i * 3 + 3))]));
    const { votes: permuted, itemName, workerName } = permuteVotes(votes, 5);
    // Relabel so the sorted label order is reversed: label-0 → z, label-1 → y, label-2 → x.
    const relabel: Record<string, string> = { 'label-0': 'z', 'label-1': 'y', 'label-2': 'x' };
    const other = dawidSkene(encodeVotes(permuted.map((v) => ({ ...v, label: relabel[v.label] }))), tight);
    for (const [id, row] of byItem) {
      const i = other.items.indexOf(itemName.get(id)!);
      const mapped = ['label-0', 'label-1', 'label-2'].map((l) => other.posterior[i * 3 + other.labels.indexOf(relabel[l])]);
      mapped.forEach((p, k) => expect(p).toBeCloseTo(row[k], 7));
    }
    base.workers.forEach((id, w) => {
      expect(other.reliability[other.workers.indexOf(workerName.get(id)!)]).toBeCloseTo(base.reliability[w], 7);
    });
  });

  it('EM never decreases the log-posterior; rows are distributions', () => {
    const fit = dawidSkene(sim.data);
    fit.objectiveHistory.forEach((x, n, all) => n > 0 && expect(x).toBeGreaterThanOrEqual(all[n - 1] - 1e-9));
    for (let r = 0; r < fit.confusion.length / 3; r++) {
      expect(fit.confusion[r * 3] + fit.confusion[r * 3 + 1] + fit.confusion[r * 3 + 2]).toBeCloseTo(1, 12);
    }
  });

  it('a perfect annotator gets ≈ identity confusion', () => {
    const perfect: Vote[] = Array.from(sim.truth, (k, i) => ({ item: `item-${i}`, worker: 'oracle', label: `label-${k}` }));
    const fit = dawidSkene(encodeVotes([...votes, ...perfect]));
    const matrix = workerConfusion(fit, fit.workers.indexOf('oracle'));
    matrix.forEach((row, k) => expect(row[k]).toBeGreaterThan(0.97));
    expect(accuracy(fit.label, sim.truth)).toBeGreaterThan(0.99);
  });

  it('a worker with three votes gets a smoothed, not degenerate, confusion matrix', () => {
    const newcomer: Vote[] = [0, 1, 2].map((i) => ({ item: `item-${i}`, worker: 'newcomer', label: `label-${sim.truth[i]}` }));
    const fit = dawidSkene(encodeVotes([...votes, ...newcomer]));
    const w = fit.workers.indexOf('newcomer');
    for (const p of workerConfusion(fit, w).flat()) {
      expect(p).toBeGreaterThan(0.05);
      expect(p).toBeLessThan(0.95);
    }
    expect(fit.reliabilityStd[w]).toBeGreaterThan(0.15);
  });

  it('an always-wrong binary annotator is recognised and its votes are flipped', () => {
    const binary = simulateCategoricalVotes({ items: 400, workers: 8, labels: 2, votesPerItem: 3, seed: 3, mix: { good: 1 } });
    const base = decodeVotes(binary.data);
    // The adversary votes on everything; on the last 50 items it is the only voter.
    const liar: Vote[] = Array.from(binary.truth, (k, i) => ({ item: `item-${i}`, worker: 'liar', label: `label-${1 - k}` }));
    const soloItems = new Set(Array.from({ length: 50 }, (_, n) => `item-${350 + n}`));
    const votes2 = [...base.filter((v) => !soloItems.has(v.item)), ...liar];
    const fit = dawidSkene(encodeVotes(votes2));
    const mv = majorityVote(encodeVotes(votes2));
    const liarIndex = fit.workers.indexOf('liar');
    const m = workerConfusion(fit, liarIndex);
    expect(m[0][1]).toBeGreaterThan(0.9);
    expect(m[1][0]).toBeGreaterThan(0.9);
    expect(fit.reliability[liarIndex]).toBeLessThan(0.1);
    const solo = fit.items.map((id, i) => [id, i] as const).filter(([id]) => soloItems.has(id));
    const truthOf = (id: string) => binary.truth[Number(id.slice(5))];
    expect(solo.every(([id, i]) => fit.label[i] === truthOf(id))).toBe(true);
    expect(solo.every(([id, i]) => mv.label[i] !== truthOf(id))).toBe(true);
  });

  it('honours the iteration cap and rejects nonsense settings', () => {
    const fit = dawidSkene(sim.data, { maxIterations: 2, tolerance: 0 });
    expect(fit.iterations).toBe(2);
    expect(fit.converged).toBe(false);
    expect(() => dawidSkene(sim.data, { maxIterations: 0 })).toThrow(/maxIterations/);
    expect(() => dawidSkene(sim.data, { correctPseudoCount: -1 })).toThrow(/correctPseudoCount/);
  });

  it('a zero worker weight removes that worker', () => {
    const liar: Vote[] = Array.from(sim.truth, (k, i) => ({ item: `item-${i}`, worker: 'liar', label: `label-${(k + 1) % 3}` }));
    const withLiar = encodeVotes([...votes, ...liar]);
    const ignored = dawidSkene(withLiar, tight, { workerWeights: new Map([['liar', 0]]) });
    const without = dawidSkene(encodeVotes(votes), tight);
    without.items.forEach((id, i) => {
      const j = ignored.items.indexOf(id);
      for (let k = 0; k < 3; k++) expect(ignored.posterior[j * 3 + k]).toBeCloseTo(without.posterior[i * 3 + k], 6);
    });
  });
});
