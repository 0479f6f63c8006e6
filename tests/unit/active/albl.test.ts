/**
 * `auto` (lib/active/albl.ts): EXP4.P over strategies with the ALBL reward, checked against
 * hand-worked numbers.
 */
import { describe, expect, it } from 'vitest';
import {
  banditSummary,
  drawExpert,
  expertProbabilities,
  gainReward,
  inclusionProbabilities,
  initBandit,
  iwMicroF1,
  minProbability,
  updateBandit,
} from '@/lib/active/albl';
import { simulateLoop } from '@/lib/active/simulate';
import { makeSyntheticMoodData } from '@/lib/active/synthetic';

const fixed = (...values: number[]) => {
  let k = 0;
  return () => values[k++ % values.length];
};

describe('EXP4.P over strategies (hand-worked, N = 2 strategies, T = 8 rounds, δ = 1)', () => {
  // p_min = √(ln 2 / (2·8)) = √0.0433217 = 0.2081387; the bonus √(ln(2/1)/(2·8)) is the same number.
  const params = { horizon: 8 };
  it('p_min, and uniform probabilities before any reward', () => {
    expect(minProbability(2, 8)).toBeCloseTo(0.2081387, 6);
    expect(minProbability(4, 1)).toBe(0.25); // capped at 1/N
    expect(expertProbabilities(initBandit(['a', 'b']), params)).toEqual([0.5, 0.5]);
  });

  it('draws by inverse CDF and rewards the drawn strategy: log w = p_min/2·(r/p + (1/p)·bonus)', () => {
    const s0 = initBandit(['a', 'b']);
    expect(drawExpert(s0, params, fixed(0.7)).expert).toBe(1);
    const { state, expert, probabilities } = drawExpert(s0, params, fixed(0.3));
    expect(expert).toBe(0);
    expect(probabilities).toEqual([0.5, 0.5]);
    const s1 = updateBandit(state, 1, params);
    // a: 0.1040693·(1/0.5 + 2·0.2081387) = 0.1040693·2.4162773 = 0.2514604
    // b: 0.1040693·(0 + 2·0.2081387) = 0.0433217
    expect(s1.logWeights[0]).toBeCloseTo(0.2514604, 6);
    expect(s1.logWeights[1]).toBeCloseTo(0.0433217, 6);
    // p_a = (1 − 2·0.2081387)·e^0.2514604/(e^0.2514604 + e^0.0433217) + 0.2081387
    //     = 0.5837226·1.2859016/2.3301758 + 0.2081387 = 0.3221260 + 0.2081387 = 0.5302646
    const p = expertProbabilities(s1, params);
    expect(p[0]).toBeCloseTo(0.5302646, 6);
    expect(p[1]).toBeCloseTo(0.4697354, 6);
    expect(s1.pending).toBeNull();
    expect(s1.pulls).toEqual([1, 0]);
    expect(() => updateBandit(s1, 1, params)).toThrow(/no pending draw/);
    expect(() => updateBandit(state, 1.5, params)).toThrow(/\[0, 1\]/);
  });

  it('a strategy that keeps paying gets the budget, but never all of it (p ≥ p_min)', () => {
    let s = initBandit(['random', 'good', 'bad']);
    const P = { horizon: 30 };
    const rng = fixed(0.05, 0.35, 0.65, 0.95, 0.5, 0.2, 0.8);
    for (let round = 0; round < 30; round++) {
      const d = drawExpert(s, P, rng);
      s = updateBandit(d.state, d.expert === 1 ? 1 : 0, P);
    }
    const p = expertProbabilities(s, P);
    expect(p[1]).toBeGreaterThan(0.5);
    expect(p[1]).toBeGreaterThan(2 * Math.max(p[0], p[2]));
    expect(Math.min(...p)).toBeGreaterThanOrEqual(minProbability(3, 30) - 1e-12);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(banditSummary(s, P).favoured).toBe('good');
  });
});

describe('the ALBL reward', () => {
  it('gain → reward: ½ + ½·clip(Δ / mean|Δ|, −1, 1)', () => {
    const a = gainReward(0.02, 0, 0); // scale 0.02 → Δ/s = 1
    expect(a).toEqual({ reward: 1, sumAbsGain: 0.02 });
    const b = gainReward(-0.01, a.sumAbsGain, 1); // scale 0.03/2 = 0.015 → −0.6667 → 0.16667
    expect(b.reward).toBeCloseTo(0.5 - 0.5 * (0.01 / 0.015), 12);
    expect(b.sumAbsGain).toBeCloseTo(0.03, 12);
    expect(gainReward(0, 0, 0).reward).toBe(0.5);
  });

  it('importance-weighted micro-F1 from weighted counts', () => {
    // Row 0 (W = 2): tag 0 hit, tag 1 false alarm; row 1 (W = 1): tag 0 missed, tag 1 hit.
    // TP = 2 + 1 = 3, FP = 2, FN = 1 → 2·3 / (2·3 + 2 + 1) = 6/9.
    expect(iwMicroF1([1, 0, 1, 1], [0.9, 0.6, 0.2, 0.7], 2, [0, 1], [2, 1])).toBeCloseTo(6 / 9, 12);
    // Unweighted: TP 2, FP 1, FN 1 → 4/6.
    expect(iwMicroF1([1, 0, 1, 1], [0.9, 0.6, 0.2, 0.7], 2, [0, 1], [1, 1])).toBeCloseTo(4 / 6, 12);
    // At the model's own thresholds τ = [0.1, 0.65]: row 1's tag 0 (0.2) is now on and row 0's
    // tag 1 (0.6) off → TP 2 + 1 + 1 = 4, FP 0, FN 0 → 1.
    expect(iwMicroF1([1, 0, 1, 1], [0.9, 0.6, 0.2, 0.7], 2, [0, 1], [2, 1], [0.1, 0.65])).toBe(1);
    expect(() => iwMicroF1([1, 0], [0.9, 0.6], 2, [0], [1], [0.5])).toThrow(/1 thresholds for 2 tags/);
  });

  it('π of a queried clip sums the probabilities of the strategies whose batch held it', () => {
    // p = random 0.2, uncertainty 0.5, margin 0.3; B = 2 of 10 candidates.
    // π(2) = 0.2·2/10 + 0.5 + 0.3 = 0.84; π(3) = 0.04 + 0.3 = 0.34.
    const pi = inclusionProbabilities([2, 3], [[7, 8], [1, 2], [2, 3]], ['random', 'uncertainty', 'margin'], [0.2, 0.5, 0.3], 10);
    expect(pi[0]).toBeCloseTo(0.84, 12);
    expect(pi[1]).toBeCloseTo(0.34, 12);
  });
});

describe('chorus simulate --strategy auto', () => {
  it('draws one strategy per round, rewards each draw once, and is deterministic under a seed', () => {
    const data = makeSyntheticMoodData({ n: 400, d: 6, t: 3, seed: 5, separation: 3 });
    const a = simulateLoop(data, { strategy: 'auto', seed: 3, initial: 20, batch: 10, rounds: 6 });
    const b = simulateLoop(data, { strategy: 'auto', seed: 3, initial: 20, batch: 10, rounds: 6 });
    expect(a).toEqual(b);
    expect(a.curve.map((p) => p.labels_used)).toEqual([20, 30, 40, 50, 60, 70, 80]);
    expect(a.auto!.drawn).toHaveLength(6);
    expect(a.auto!.rewards).toHaveLength(5); // the last draw's labels are never retrained on
    expect(a.auto!.summary.rounds).toBe(5);
    for (const r of a.auto!.rewards) expect(r >= 0 && r <= 1).toBe(true);
    expect(new Set(a.labeledOrder).size).toBe(80);
  });
});
