import { describe, expect, it } from 'vitest';
import { aggregateVotes, encodeVotes, glad, itemRows, majorityVote, simulateCategoricalVotes, weightedMajorityVote, workerRows, type Vote } from '@/lib/crowd';
import { accuracy, decodeVotes, permuteVotes, votesFrom } from './helpers';

describe('majorityVote', () => {
  it('takes the most frequent label; confidence is its vote share', () => {
    const result = majorityVote(encodeVotes(votesFrom([['c1', 'x', 'happy'], ['c1', 'y', 'happy'], ['c1', 'z', 'sad']])));
    expect(itemRows(result)).toEqual([{ item: 'c1', label: 'happy', confidence: 2 / 3 }]);
  });

  it('breaks ties by label order, not by vote order', () => {
    const ab = majorityVote(encodeVotes(votesFrom([['c1', 'x', 'sad'], ['c1', 'y', 'happy']])));
    const ba = majorityVote(encodeVotes(votesFrom([['c1', 'y', 'happy'], ['c1', 'x', 'sad']])));
    expect(itemRows(ab)[0].label).toBe('happy');
    expect(itemRows(ba)[0].label).toBe('happy');
  });

  it('rates workers by leave-one-out agreement, with more uncertainty for fewer votes', () => {
    const votes = votesFrom([
      ['c1', 'a', 'x'], ['c1', 'b', 'x'], ['c1', 'c', 'y'],
      ['c2', 'a', 'y'], ['c2', 'b', 'y'], ['c2', 'c', 'x'],
      ['c3', 'a', 'x'], ['c3', 'b', 'x'],
      ['c4', 'c', 'x'],
    ]);
    const rows = new Map(workerRows(majorityVote(encodeVotes(votes))).map((r) => [r.worker, r]));
    // a: others agree on c1 1/2, c2 1/2, c3 1/1 → 2 of 3 → Beta(3, 2): mean 0.6
    expect(rows.get('a')!.reliability).toBeCloseTo(3 / 5, 12);
    // c: 0 of 2 informative (c4 is its only voter) → Beta(1, 3): mean 0.25
    expect(rows.get('c')!.reliability).toBeCloseTo(1 / 4, 12);
    expect(rows.get('c')!.votes).toBe(3);
  });
});

describe('weightedMajorityVote', () => {
  it('lets one reliable worker outvote two near-random ones (one-coin log-odds weights)', () => {
    const data = encodeVotes(votesFrom([['c1', 'x', 'a'], ['c1', 'y', 'b'], ['c1', 'z', 'b']]));
    const result = weightedMajorityVote(data, { workerAccuracy: new Map([['x', 0.9], ['y', 0.55], ['z', 0.55]]) });
    // ω = logit(a) + log(K − 1) with K = 2: ω_x = 2.197, ω_y = ω_z = 0.2007
    const expected = 1 / (1 + Math.exp(2 * Math.log(0.55 / 0.45) - Math.log(9)));
    expect(itemRows(result)[0]).toEqual({ item: 'c1', label: 'a', confidence: expect.closeTo(expected, 12) });
  });
});

describe('glad', () => {
  it('gives an always-wrong binary worker negative ability and flips their votes', () => {
    const sim = simulateCategoricalVotes({ items: 300, workers: 8, labels: 2, votesPerItem: 3, seed: 9, mix: { good: 1 } });
    const liar: Vote[] = Array.from(sim.truth, (k, i) => ({ item: `item-${i}`, worker: 'liar', label: `label-${1 - k}` }));
    const solo = new Set(Array.from({ length: 30 }, (_, n) => `item-${270 + n}`));
    const votes = [...decodeVotes(sim.data).filter((v) => !solo.has(v.item)), ...liar];
    const fit = glad(encodeVotes(votes));
    expect(fit.ability[fit.workers.indexOf('liar')]).toBeLessThan(-1);
    const soloIndices = fit.items.flatMap((id, i) => (solo.has(id) ? [i] : []));
    expect(soloIndices.every((i) => fit.label[i] === sim.truth[Number(fit.items[i].slice(5))])).toBe(true);
  });

  it('is invariant to permuting votes, items and workers', () => {
    const sim = simulateCategoricalVotes({ items: 200, workers: 12, labels: 3, votesPerItem: 4, seed: 21 });
    const votes = decodeVotes(sim.data);
    const tight = { tolerance: 1e-11, maxIterations: 1000 };
    const base = glad(encodeVotes(votes), tight);
    const { votes: permuted, itemName } = permuteVotes(votes, 8);
    const other = glad(encodeVotes(permuted), tight);
    base.items.forEach((id, i) => {
      const j = other.items.indexOf(itemName.get(id)!);
      for (let k = 0; k < 3; k++) expect(other.posterior[j * 3 + k]).toBeCloseTo(base.posterior[i * 3 + k], 6);
    });
  });

  it('finds harder items: clips where good workers split get a lower inverse difficulty', () => {
    const sim = simulateCategoricalVotes({ items: 400, workers: 20, labels: 2, votesPerItem: 5, seed: 2, mix: { good: 1 } });
    const fit = glad(sim.data);
    const disagreement = new Float64Array(400);
    for (let v = 0; v < sim.data.item.length; v++) disagreement[sim.data.item[v]] += sim.data.label[v] === sim.truth[sim.data.item[v]] ? 0 : 1;
    const mean = (pick: (i: number) => boolean) => {
      const xs = Array.from(fit.inverseDifficulty).filter((_, i) => pick(i));
      return xs.reduce((a, x) => a + x, 0) / xs.length;
    };
    expect(mean((i) => disagreement[i] === 0)).toBeGreaterThan(mean((i) => disagreement[i] >= 2));
    expect(accuracy(fit.label, sim.truth)).toBeGreaterThan(0.97);
  });
});

describe('aggregateVotes', () => {
  it('dispatches every method and rejects an unknown one', () => {
    const votes = votesFrom([['c1', 'x', 'a'], ['c1', 'y', 'a'], ['c1', 'z', 'b']]);
    for (const method of ['mv', 'wmv', 'ds', 'glad'] as const) {
      expect(itemRows(aggregateVotes(votes, { method }))[0].label).toBe('a');
    }
    expect(() => aggregateVotes(votes, { method: 'em' as never })).toThrow(/unknown aggregation method "em"/);
  });
});
