import { describe, expect, it } from 'vitest';
import { encodeVotes, glad, itemRows, mace, majorityVote, simulateCategoricalVotes, spearman, wawa, type EncodedVotes } from '@/lib/crowd';
import { digamma } from '@/lib/crowd/mace';
import { sigmoid } from '@/lib/crowd/numeric';
import { createRng } from '@/lib/util/random';
import { accuracy, votesFrom } from './helpers';

describe('glad (Whitehill et al. 2009, K-class form)', () => {
  it('matches a hand-worked posterior when the priors pin α = 1 and log β = 1', () => {
    // σ(1 · e) = 0.938097. Item i1 (a, a, b), K = 3, wrong answers split over the 2 other labels:
    //   z = a: σ² (1 − σ)/2 = 0.027224…   z = b: ((1 − σ)/2)² σ = 0.000898…   z = c: ((1 − σ)/2)³ = 0.0000296…
    //   normalised: 0.967041, 0.031907, 0.001053.  Item i2 (one vote c): c = σ = 0.938097, a = b = (1 − σ)/2.
    const data = encodeVotes(votesFrom([['i1', 'w1', 'a'], ['i1', 'w2', 'a'], ['i1', 'w3', 'b'], ['i2', 'w1', 'c']]));
    const fit = glad(data, { abilityPriorStd: 1e-6, logInverseDifficultyPriorStd: 1e-6 });
    const expected = [0.9670407157, 0.0319065587, 0.0010527256, 0.0309515837, 0.0309515837, 0.9380968326];
    expected.forEach((p, n) => expect(fit.posterior[n]).toBeCloseTo(p, 8));
    expect(Array.from(fit.classPrior)).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });

  it('recovers planted abilities and difficulties, and the objective never falls', () => {
    const planted = [-1.5, -0.5, 0.3, 0.3, 0.8, 0.8, 1.2, 1.2, 2, 2, 3, 3];
    const K = 3;
    const N = 800;
    const rng = createRng(11);
    const easy = (i: number) => i % 2 === 0;
    const truth = new Int32Array(N);
    const item: number[] = [];
    const worker: number[] = [];
    const label: number[] = [];
    for (let i = 0; i < N; i++) {
      truth[i] = Math.floor(rng() * K);
      const beta = easy(i) ? 2.5 : 0.4;
      const voters = new Set<number>();
      while (voters.size < 6) voters.add(Math.floor(rng() * planted.length));
      for (const w of voters) {
        item.push(i);
        worker.push(w);
        label.push(rng() < sigmoid(planted[w] * beta) ? truth[i] : (truth[i] + 1 + Math.floor(rng() * (K - 1))) % K);
      }
    }
    const data: EncodedVotes = {
      items: Array.from({ length: N }, (_, i) => `i${String(i).padStart(4, '0')}`),
      workers: planted.map((_, w) => `w${String(w).padStart(2, '0')}`),
      labels: ['a', 'b', 'c'],
      item: Int32Array.from(item),
      worker: Int32Array.from(worker),
      label: Int32Array.from(label),
    };
    const fit = glad(data);
    expect(fit.converged).toBe(true);
    expect(spearman(fit.ability, planted)).toBeGreaterThan(0.9);
    expect(fit.ability[0]).toBeLessThan(0);
    const meanBeta = (pick: boolean) => {
      const xs = Array.from(fit.inverseDifficulty).filter((_, i) => easy(i) === pick);
      return xs.reduce((a, x) => a + x, 0) / xs.length;
    };
    expect(meanBeta(true)).toBeGreaterThan(2 * meanBeta(false));
    // The oracle: the posterior under the planted parameters, the best any method can do on these votes.
    const score = new Float64Array(N * K);
    for (let v = 0; v < item.length; v++) {
      const p = sigmoid(planted[worker[v]] * (easy(item[v]) ? 2.5 : 0.4));
      for (let k = 0; k < K; k++) score[item[v] * K + k] += Math.log(k === label[v] ? p : (1 - p) / (K - 1));
    }
    const oracle = Int32Array.from({ length: N }, (_, i) => {
      const row = Array.from(score.subarray(i * K, i * K + K));
      return row.indexOf(Math.max(...row));
    });
    expect(accuracy(fit.label, truth)).toBeGreaterThan(accuracy(oracle, truth) - 0.01);
    expect(accuracy(fit.label, truth)).toBeGreaterThan(accuracy(majorityVote(data).label, truth) + 0.02);
    fit.objectiveHistory.slice(1).forEach((objective, n) => expect(objective).toBeGreaterThanOrEqual(fit.objectiveHistory[n] - 1e-9));
  });

  it('stops at a stationary point of the MAP objective (the paper’s gradients vanish)', () => {
    const sim = simulateCategoricalVotes({ items: 300, workers: 15, labels: 3, votesPerItem: 4, seed: 6 });
    const fit = glad(sim.data, { tolerance: 1e-14, maxIterations: 3000 });
    const { item, worker, label } = sim.data;
    const gradAbility = fit.ability.map((a) => -(a - 1));
    const gradLogBeta = fit.inverseDifficulty.map((b) => -(Math.log(b) - 1));
    for (let v = 0; v < item.length; v++) {
      const x = fit.ability[worker[v]] * fit.inverseDifficulty[item[v]];
      const residual = fit.posterior[item[v] * 3 + label[v]] - sigmoid(x);
      gradAbility[worker[v]] += residual * fit.inverseDifficulty[item[v]];
      gradLogBeta[item[v]] += residual * x;
    }
    for (const g of [...gradAbility, ...gradLogBeta]) expect(Math.abs(g)).toBeLessThan(1e-4);
  });
});

describe('mace (Hovy et al. 2013)', () => {
  it('digamma matches tabulated values', () => {
    expect(digamma(1)).toBeCloseTo(-0.5772156649015329, 12);
    expect(digamma(0.5)).toBeCloseTo(-1.9635100260214235, 12);
    expect(digamma(10)).toBeCloseTo(2.251752589066721, 12);
  });

  it('finds the spammers: constant and random answerers get low competence, good workers high', () => {
    const sim = simulateCategoricalVotes({ items: 600, workers: 20, labels: 4, votesPerItem: 5, seed: 12 });
    const fit = mace(sim.data);
    const mean = (kind: string) => {
      const xs = sim.workerKind.flatMap((k, w) => (k === kind ? [fit.competence[w]] : []));
      return xs.reduce((a, x) => a + x, 0) / xs.length;
    };
    expect(mean('good')).toBeGreaterThan(0.7);
    expect(mean('spammer')).toBeLessThan(0.25);
    expect(mean('constant')).toBeLessThan(0.25);
    expect(accuracy(fit.label, sim.truth)).toBeGreaterThan(accuracy(majorityVote(sim.data).label, sim.truth) + 0.03);
    // A constant answerer's strategy concentrates on the label they always give.
    sim.workerKind.forEach((kind, w) => {
      if (kind !== 'constant') return;
      const row = Array.from(fit.strategy.subarray(w * 4, w * 4 + 4));
      expect(row.indexOf(Math.max(...row))).toBe(sim.data.label[sim.data.worker.indexOf(w)]);
    });
  });
});

describe('wawa', () => {
  it('weights each vote by its worker’s agreement with majority vote (hand-worked)', () => {
    // MV: i1 a, i2 b, i3 a (tie → lowest label). Skills: x 3/3, y 2/2, z 1/3.
    // i1: a = 1 + 1 = 2, b = 1/3 → 6/7.  i3: a = 1, b = 1/3 → 3/4 (majority vote says 1/2).
    const data = encodeVotes(
      votesFrom([['i1', 'x', 'a'], ['i1', 'y', 'a'], ['i1', 'z', 'b'], ['i2', 'x', 'b'], ['i2', 'y', 'b'], ['i2', 'z', 'b'], ['i3', 'x', 'a'], ['i3', 'z', 'b']]),
    );
    expect(itemRows(wawa(data))).toEqual([
      { item: 'i1', label: 'a', confidence: expect.closeTo(6 / 7, 12) },
      { item: 'i2', label: 'b', confidence: 1 },
      { item: 'i3', label: 'a', confidence: expect.closeTo(3 / 4, 12) },
    ]);
  });
});
