import { describe, expect, it } from 'vitest';
import { answerInformation, crowdBtLogPosterior, fitCrowdBt, truthfulResponsibility } from '@/lib/pairwise/crowd-bt';
import { choosePairs, pairGain } from '@/lib/pairwise/active';
import { fitBradleyTerry } from '@/lib/pairwise/bradley-terry';
import { meanSd, runActiveSimulation, runPairwiseSimulation } from '@/lib/pairwise/simulate';

describe('Crowd-BT (Chen et al., WSDM 2013)', () => {
  it('hand-worked E-step: an annotator with η = 0.2 says A≻B where σ(θ_A − θ_B) = σ(1)', () => {
    // p = 0.731059; r = 0.2·p / (0.2·p + 0.8·(1 − p)) = 0.146212 / (0.146212 + 0.215153) = 0.404609.
    expect(truthfulResponsibility(0.2, 1 / (1 + Math.exp(-1)))).toBeCloseTo(0.404609, 5);
    expect(truthfulResponsibility(1, 0.3)).toBe(1);
    expect(truthfulResponsibility(0.5, 0.9)).toBeCloseTo(0.9, 12); // a coin flip leaves the BT probability as it was
  });

  it('hand-worked information: a perfect annotator gives p(1 − p); a coin-flipper gives nothing; an adversary as much as its mirror', () => {
    expect(answerInformation(1, 0.5)).toBeCloseTo(0.25, 9);
    expect(answerInformation(1, 0.8)).toBeCloseTo(0.16, 9);
    expect(answerInformation(0.5, 0.7)).toBe(0);
    expect(answerInformation(0.1, 0.7)).toBeCloseTo(answerInformation(0.9, 0.7), 12);
    // η = 0.9, p = 0.5: slope 0.8·0.25 = 0.2, q = 0.5 ⇒ 0.04 / 0.25 = 0.16.
    expect(answerInformation(0.9, 0.5)).toBeCloseTo(0.16, 9);
  });

  it('a loud adversary reverses plain Bradley–Terry but not Crowd-BT', () => {
    // Truth A ≻ B ≻ C. Three honest annotators say so once per pair; annotator 3 says the reverse
    // of every pair four times, so it outvotes the honest ones 12 to 9.
    const winner: number[] = [];
    const loser: number[] = [];
    const worker: number[] = [];
    const pairs = [
      [0, 1],
      [1, 2],
      [0, 2],
    ];
    for (let k = 0; k < 3; k++)
      for (const [a, b] of pairs) {
        winner.push(a);
        loser.push(b);
        worker.push(k);
      }
    for (let r = 0; r < 4; r++)
      for (const [a, b] of pairs) {
        winner.push(b);
        loser.push(a);
        worker.push(3);
      }
    const data = { winner, loser, worker, weight: winner.map(() => 1) };
    const bt = fitBradleyTerry(3, data);
    expect(bt.theta[2]).toBeGreaterThan(bt.theta[0]); // plain BT follows the majority: C on top
    const fit = fitCrowdBt(3, 4, data);
    expect(fit.converged).toBe(true);
    expect(fit.theta[0]).toBeGreaterThan(fit.theta[1]);
    expect(fit.theta[1]).toBeGreaterThan(fit.theta[2]);
    expect(fit.eta[3]).toBeLessThan(0.5);
    for (let k = 0; k < 3; k++) expect(fit.eta[k]).toBeGreaterThan(0.5);
  });

  it('EM never decreases the log posterior', () => {
    const lps: number[] = [];
    // Ten answers on five items by five annotators, with contradictions (hand-made).
    const winner = [0, 1, 2, 3, 1, 4, 2, 0, 3, 4];
    const loser = [1, 2, 3, 4, 0, 0, 4, 3, 1, 2];
    const weight = Array(10).fill(1);
    const worker = [0, 1, 2, 3, 4, 4, 0, 1, 2, 3];
    const data = { winner, loser, weight, worker };
    const fit = fitCrowdBt(5, 5, data, { onIteration: (_, lp) => lps.push(lp) });
    for (let k = 1; k < lps.length; k++) expect(lps[k]).toBeGreaterThanOrEqual(lps[k - 1] - 1e-9);
    expect(crowdBtLogPosterior(5, data, fit.theta, fit.eta)).toBeCloseTo(fit.logPosterior, 9);
  });

  it('recovers a planted ranking better than plain BT when the crowd has spammers and adversaries (6 seeds)', () => {
    // 14 honest annotators η ∈ [0.8, 1], 3 coin-flippers, 3 adversaries η ∈ {0.2, 0.15, 0.1};
    // 60 items, 1200 answers (40 per item), scores ~ N(0, 1.5²).
    const eta = [...Array(14)].map((_, k) => 0.8 + (0.2 * k) / 13).concat([0.5, 0.5, 0.5, 0.2, 0.15, 0.1]);
    const runs = [1, 2, 3, 4, 5, 6].map((seed) => runPairwiseSimulation({ items: 60, scoreSd: 1.5, eta, answers: 1200 }, seed));
    const bt = meanSd(runs.map((r) => r.btSpearman));
    const cbt = meanSd(runs.map((r) => r.crowdBtSpearman));
    for (const r of runs) {
      expect(r.crowdBtSpearman).toBeGreaterThan(r.btSpearman);
      expect(r.adversariesFound).toBe(1); // every adversary estimated below ½
      expect(r.etaMae).toBeLessThan(0.12);
    }
    expect(cbt.mean - bt.mean).toBeGreaterThan(0.05);
    expect(cbt.mean).toBeGreaterThan(0.88);
  });

  it('costs little when the whole crowd is honest (mean within 0.01 of plain BT, each seed within 0.02; 6 seeds)', () => {
    const eta = [...Array(20)].map((_, k) => 0.85 + (0.15 * k) / 19);
    const runs = [1, 2, 3, 4, 5, 6].map((seed) => runPairwiseSimulation({ items: 40, scoreSd: 1.5, eta, answers: 600 }, seed));
    for (const r of runs) expect(r.crowdBtSpearman).toBeGreaterThan(r.btSpearman - 0.02);
    expect(meanSd(runs.map((r) => r.crowdBtSpearman - r.btSpearman)).mean).toBeGreaterThan(-0.01);
  });
});

describe('active pair choice', () => {
  it('hand-worked gain: ½ ln(1 + J·v_d) with J = p(1 − p) for a perfect annotator', () => {
    // θ = (0, 0), independent sd 1 each ⇒ v_d = 2, p = ½, J = ¼ ⇒ ½ ln 1.5 = 0.202733.
    const fit = { theta: [0, 0], sd: [1, 1], covariance: null };
    expect(pairGain(fit, 0, 1)).toBeCloseTo(0.5 * Math.log(1.5), 9);
    // A correlation of +0.5 between them halves v_d to 1: ½ ln 1.25.
    const corr = { theta: [0, 0], sd: [1, 1], covariance: [1, 0.5, 0.5, 1] };
    expect(pairGain(corr, 0, 1)).toBeCloseTo(0.5 * Math.log(1.25), 9);
    expect(pairGain(fit, 0, 1, 0.5)).toBe(0); // a coin-flipper's answer is worth nothing
  });

  it('prefers a close, poorly known pair to a settled one', () => {
    // Items 0 and 1 are close and poorly known; item 2 is far above both; item 3 is close to 0 but
    // already pinned down (sd 0.1).
    const fit = { theta: [0, 0.1, 5, 0.05], sd: [1, 1, 1, 0.1], covariance: null };
    const best = choosePairs(fit, 6);
    expect(best).toHaveLength(6);
    expect([best[0].a, best[0].b].sort()).toEqual([0, 1]);
    // Every pair with item 2 (p ≈ 0.99) ranks below every pair without it.
    const withTwo = best.filter((p) => p.a === 2 || p.b === 2).map((p) => p.gain);
    const without = best.filter((p) => p.a !== 2 && p.b !== 2).map((p) => p.gain);
    expect(Math.max(...withTwo)).toBeLessThan(Math.min(...without));
  });

  it('active choice recovers the ranking at least as well as random pairs on the same budget (4 seeds)', () => {
    const eta = [...Array(10)].map((_, k) => 0.8 + (0.2 * k) / 9).concat([0.5, 0.2]);
    const runs = [1, 2, 3, 4].map((seed) => runActiveSimulation({ items: 30, scoreSd: 1, eta, answers: 300 }, seed, 90, 30));
    const active = meanSd(runs.map((r) => r.activeSpearman));
    const random = meanSd(runs.map((r) => r.randomSpearman));
    expect(active.mean).toBeGreaterThanOrEqual(random.mean);
  });
});
