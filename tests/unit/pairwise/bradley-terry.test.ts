import { describe, expect, it } from 'vitest';
import { btLogPosterior, fitBradleyTerry } from '@/lib/pairwise/bradley-terry';
import { sigmoid } from '@/lib/crowd/numeric';

/**
 * Agresti, Categorical Data Analysis, 2nd ed. (Wiley 2002), §10.6, Table 10.10: the 1987 season of
 * the seven American League East teams, 13 games between each pair. wins[i][j] = games i won against j.
 * (The same counts, split home/away, are BradleyTerry2's `baseball` data set.)
 */
const TEAMS = ['Milwaukee', 'Detroit', 'Toronto', 'New York', 'Boston', 'Cleveland', 'Baltimore'];
const WINS = [
  [0, 7, 9, 7, 7, 9, 11],
  [6, 0, 7, 5, 11, 9, 9],
  [4, 6, 0, 7, 7, 8, 12],
  [6, 8, 6, 0, 6, 7, 10],
  [6, 2, 6, 7, 0, 7, 12],
  [4, 4, 5, 6, 6, 0, 6],
  [2, 4, 1, 3, 1, 7, 0],
];
/** Agresti's fitted abilities (Table 10.11), Baltimore fixed at 0, printed to two decimals. */
const PUBLISHED = [1.58, 1.44, 1.29, 1.25, 1.11, 0.68, 0];

function table(wins: number[][]) {
  const winner: number[] = [];
  const loser: number[] = [];
  const weight: number[] = [];
  wins.forEach((row, i) =>
    row.forEach((n, j) => {
      if (n > 0) {
        winner.push(i);
        loser.push(j);
        weight.push(n);
      }
    }),
  );
  return { winner, loser, weight };
}

describe('Bradley–Terry by MM (Hunter 2004)', () => {
  it('each pair in the published table played 13 games (the data are typed in right)', () => {
    for (let i = 0; i < 7; i++) for (let j = i + 1; j < 7; j++) expect(WINS[i][j] + WINS[j][i]).toBe(13);
  });

  it("reproduces Agresti's fitted abilities for the 1987 AL East (maximum likelihood, no prior)", () => {
    const fit = fitBradleyTerry(7, table(WINS), { prior: 0 });
    expect(fit.converged).toBe(true);
    const relative = [...fit.theta].map((t) => t - fit.theta[6]);
    relative.forEach((r, i) => expect(r, TEAMS[i]).toBeCloseTo(PUBLISHED[i], 2));
    // The published ranking, best first.
    const order = [...TEAMS.keys()].sort((a, b) => fit.theta[b] - fit.theta[a]).map((i) => TEAMS[i]);
    expect(order).toEqual(TEAMS);
    // From the published abilities by hand: Boston beats New York with probability
    // exp(1.11 − 1.25) / (1 + exp(1.11 − 1.25)) = 0.465.
    expect(sigmoid(fit.theta[4] - fit.theta[3])).toBeCloseTo(0.465, 2);
  });

  it('standard error of Milwaukee − Baltimore matches an independent Newton–Raphson fit (0.343)', () => {
    // The value 0.3433 comes from a separate Newton–Raphson logistic fit of the same table (numpy),
    // Baltimore as the reference level: the inverse observed information, as glm/BTm report it.
    const fit = fitBradleyTerry(7, table(WINS), { prior: 0 });
    const c = fit.covariance!;
    const v = c[0 * 7 + 0] + c[6 * 7 + 6] - 2 * c[0 * 7 + 6];
    expect(Math.sqrt(v)).toBeCloseTo(0.3433, 3);
  });

  it('the default prior shrinks the published fit only a little and keeps its order', () => {
    const fit = fitBradleyTerry(7, table(WINS));
    const relative = [...fit.theta].map((t) => t - fit.theta[6]);
    relative.forEach((r, i) => expect(Math.abs(r - PUBLISHED[i])).toBeLessThan(0.03 + 0.005));
    for (let i = 0; i < 6; i++) expect(fit.theta[i]).toBeGreaterThan(fit.theta[i + 1]);
    // The exact line search along the common shift keeps MM fast with the weak phantom anchor
    // (without it this fit took 2172 iterations).
    expect(fit.converged).toBe(true);
    expect(fit.iterations).toBeLessThan(200);
  });

  it('hand-worked: a three-cycle A≻B, B≻C, C≻A gives three equal scores', () => {
    const fit = fitBradleyTerry(3, { winner: [0, 1, 2], loser: [1, 2, 0], weight: [1, 1, 1] }, { prior: 0 });
    for (const t of fit.theta) expect(t).toBeCloseTo(0, 8);
  });

  it('hand-worked: a chain A 2–1 B, B 2–1 C (a tree) puts each gap at exactly log 2', () => {
    // On a tree every edge's likelihood equation is its own: σ(θ_A − θ_B) = 2/3 ⇒ θ_A − θ_B = log 2.
    const fit = fitBradleyTerry(3, { winner: [0, 1, 1, 2], loser: [1, 0, 2, 1], weight: [2, 1, 2, 1] }, { prior: 0 });
    expect(fit.theta[0] - fit.theta[1]).toBeCloseTo(Math.log(2), 8);
    expect(fit.theta[1] - fit.theta[2]).toBeCloseTo(Math.log(2), 8);
    expect(fit.theta[0] + fit.theta[1] + fit.theta[2]).toBeCloseTo(0, 8); // centred without a prior
  });

  it('hand-worked: one answer A≻B with one phantom game each solves 1.5 = σ(2t) + σ(t), t ≈ 0.7566', () => {
    // Score equation of A (θ_A = t, θ_B = −t by symmetry): 1 − σ(2t) + ½ − σ(t) = 0.
    // By hand (bisection on a calculator): t = 0.7566 (σ(1.5132) = 0.8195, σ(0.7566) = 0.6806).
    const fit = fitBradleyTerry(2, { winner: [0], loser: [1], weight: [1] });
    expect(fit.theta[0]).toBeCloseTo(0.7566, 3);
    expect(fit.theta[1]).toBeCloseTo(-0.7566, 3);
    expect(sigmoid(2 * fit.theta[0]) + sigmoid(fit.theta[0])).toBeCloseTo(1.5, 8);
  });

  it('stays finite on a sparse graph where the plain MLE does not exist (an item that never loses)', () => {
    const fit = fitBradleyTerry(4, { winner: [0, 0, 2], loser: [1, 2, 3], weight: [1, 1, 1] });
    for (let i = 0; i < 4; i++) {
      expect(Number.isFinite(fit.theta[i])).toBe(true);
      expect(fit.sd[i]).toBeGreaterThan(0);
    }
    expect(fit.theta[0]).toBeGreaterThan(fit.theta[2]);
    expect(fit.theta[2]).toBeGreaterThan(fit.theta[3]);
  });

  it('a tie counts half a win each way: A "same" B and A≻B once equals A winning 1.5 of 2', () => {
    const tie = fitBradleyTerry(2, { winner: [0, 1, 0], loser: [1, 0, 1], weight: [0.5, 0.5, 1] }, { prior: 0 });
    // σ(θ_A − θ_B) = 1.5 / 2 ⇒ θ_A − θ_B = log 3.
    expect(tie.theta[0] - tie.theta[1]).toBeCloseTo(Math.log(3), 8);
  });

  it('each MM step increases the log posterior', () => {
    const data = table(WINS);
    let last = -Infinity;
    for (let k = 1; k < 30; k++) {
      const fit = fitBradleyTerry(7, data, { maxIterations: k, skipUncertainty: true });
      const lp = btLogPosterior(7, data, fit.theta);
      expect(lp).toBeGreaterThanOrEqual(last - 1e-12);
      last = lp;
    }
  });

  it('uncertainty shrinks with more games: 4× the data halves the standard deviation', () => {
    const small = fitBradleyTerry(7, table(WINS), { prior: 0 });
    const big = fitBradleyTerry(7, table(WINS.map((r) => r.map((n) => 4 * n))), { prior: 0 });
    for (let i = 0; i < 7; i++) expect(big.sd[i] / small.sd[i]).toBeCloseTo(0.5, 6);
  });
});
