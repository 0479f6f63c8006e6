import { describe, expect, it } from 'vitest';
import {
  aggregateVotes,
  CATEGORICAL_METHODS,
  simulateCategoricalVotes,
  type AggregateOptions,
  type CategoricalResult,
  type Vote,
} from '@/lib/crowd';
import { createRng } from '@/lib/util/random';
import { decodeVotes, permuteVotes } from './helpers';

/*
 * The invariants every categorical method must keep, run against each of them (CATEGORICAL_METHODS,
 * so a new method is covered the day it is added): the answer may not depend on how workers and
 * items are named or ordered; perfect workers must be believed; a worker who is always wrong must
 * end up with the lowest reliability and must not drag the consensus down to majority vote's level.
 */

/** Iterative methods run to a tight fixed point, so reordering cannot change where they stop. */
const tight: AggregateOptions = {
  dawidSkene: { tolerance: 1e-12, maxIterations: 2000 },
  glad: { tolerance: 1e-13, maxIterations: 2000 },
  mace: { tolerance: 1e-12, maxIterations: 2000 },
};

function rowOf(result: CategoricalResult, item: string): number[] {
  const i = result.items.indexOf(item);
  const K = result.labels.length;
  return Array.from(result.posterior.subarray(i * K, (i + 1) * K));
}

function accuracyAgainst(result: CategoricalResult, truth: ReadonlyMap<string, string>): number {
  let hits = 0;
  result.items.forEach((item, i) => {
    if (result.labels[result.label[i]] === truth.get(item)) hits++;
  });
  return hits / result.items.length;
}

function reliabilityOf(result: CategoricalResult, worker: string): number {
  return result.reliability[result.workers.indexOf(worker)];
}

describe.each(CATEGORICAL_METHODS)('aggregation invariants: %s', (method) => {
  it('permuting workers, items and votes permutes the result and changes nothing else', () => {
    const sim = simulateCategoricalVotes({ items: 150, workers: 12, labels: 3, votesPerItem: 4, seed: 21 });
    const votes = decodeVotes(sim.data);
    const base = aggregateVotes(votes, { ...tight, method });
    const { votes: permuted, itemName, workerName } = permuteVotes(votes, 8);
    const other = aggregateVotes(permuted, { ...tight, method });
    for (const item of base.items) {
      const expected = rowOf(base, item);
      rowOf(other, itemName.get(item)!).forEach((p, k) => expect(p).toBeCloseTo(expected[k], 7));
    }
    for (const worker of base.workers) {
      expect(reliabilityOf(other, workerName.get(worker)!)).toBeCloseTo(reliabilityOf(base, worker), 7);
    }
  });

  it('perfect workers: every item gets the true label and every posterior row sums to 1', () => {
    const rng = createRng(3);
    const labels = ['a', 'b', 'c', 'd'];
    const truth = new Map<string, string>();
    const votes: Vote[] = [];
    for (let i = 0; i < 80; i++) {
      const item = `i${i}`;
      truth.set(item, labels[Math.floor(rng() * labels.length)]);
      // Three of five workers per item, rotating, so every worker meets every other.
      for (let j = 0; j < 3; j++) votes.push({ item, worker: `w${(i + j) % 5}`, label: truth.get(item)! });
    }
    const result = aggregateVotes(votes, { method });
    expect(accuracyAgainst(result, truth)).toBe(1);
    const K = result.labels.length;
    for (let i = 0; i < result.items.length; i++) {
      const sum = result.posterior.subarray(i * K, (i + 1) * K).reduce((a, p) => a + p, 0);
      expect(sum).toBeCloseTo(1, 12);
    }
  });

  it('two perfect workers among three spammers are believed and rated above every spammer', () => {
    const rng = createRng(5);
    const labels = ['a', 'b', 'c', 'd'];
    const truth = new Map<string, string>();
    const votes: Vote[] = [];
    for (let i = 0; i < 300; i++) {
      const item = `i${i}`;
      const label = labels[Math.floor(rng() * 4)];
      truth.set(item, label);
      votes.push({ item, worker: 'perfect-1', label }, { item, worker: 'perfect-2', label });
      for (const spammer of ['spam-1', 'spam-2', 'spam-3']) votes.push({ item, worker: spammer, label: labels[Math.floor(rng() * 4)] });
    }
    const result = aggregateVotes(votes, { method });
    // Plain majority counts heads, so three spammers who happen to agree outvote the two perfect workers.
    if (method !== 'mv') expect(accuracyAgainst(result, truth)).toBe(1);
    const worstPerfect = Math.min(reliabilityOf(result, 'perfect-1'), reliabilityOf(result, 'perfect-2'));
    for (const spammer of ['spam-1', 'spam-2', 'spam-3']) expect(reliabilityOf(result, spammer)).toBeLessThan(worstPerfect);
  });

  it('an always-wrong worker gets the lowest reliability and does not pull accuracy down to majority vote', () => {
    const rng = createRng(7);
    const truth = new Map<string, string>();
    const votes: Vote[] = [];
    for (let i = 0; i < 400; i++) {
      const item = `i${i}`;
      const label = rng() < 0.5 ? 'yes' : 'no';
      const flip = label === 'yes' ? 'no' : 'yes';
      truth.set(item, label);
      for (const honest of ['h1', 'h2', 'h3']) votes.push({ item, worker: honest, label: rng() < 0.8 ? label : flip });
      votes.push({ item, worker: 'liar', label: flip });
    }
    const result = aggregateVotes(votes, { method });
    for (const honest of ['h1', 'h2', 'h3']) expect(reliabilityOf(result, 'liar')).toBeLessThan(reliabilityOf(result, honest));
    // With the liar, majority vote ties 2–2 whenever one honest worker errs (≈ 38 % of items) and
    // gets half of those wrong: ≈ 0.70. Ignoring the liar gives the honest majority's 0.90;
    // inverting the liar (DS, GLAD, WMV) approaches 1.
    const mv = accuracyAgainst(aggregateVotes(votes, { method: 'mv' }), truth);
    expect(mv).toBeLessThan(0.78);
    if (method !== 'mv') expect(accuracyAgainst(result, truth)).toBeGreaterThan(0.85);
  });
});
