import { describe, expect, it } from 'vitest';
import {
  keyRelation,
  keyWeightedScore,
  summarizeKeys,
  summarizeTempo,
  tempoAcc1,
  tempoAcc2,
  tempoRelation,
} from '../../../lib/audio/mirex';

const C = 0;
const D = 2;
const E = 4;
const F = 5;
const G = 7;
const A = 9;

describe('MIREX tempo accuracy', () => {
  it('acc1 accepts ±4 % of the reference, no more', () => {
    // 120 BPM: the window is [115.2, 124.8].
    expect(tempoAcc1(120, 120)).toBe(true);
    expect(tempoAcc1(124.8, 120)).toBe(true);
    expect(tempoAcc1(115.2, 120)).toBe(true);
    expect(tempoAcc1(124.9, 120)).toBe(false);
    expect(tempoAcc1(115.1, 120)).toBe(false);
    expect(tempoAcc1(240, 120)).toBe(false);
  });

  it('acc2 also accepts ×2, ×½, ×3 and ×⅓, each within 4 % of the scaled reference', () => {
    expect(tempoAcc2(240, 120)).toBe(true);
    expect(tempoAcc2(60, 120)).toBe(true);
    expect(tempoAcc2(360, 120)).toBe(true);
    expect(tempoAcc2(40, 120)).toBe(true);
    // 90 BPM: 180 ± 7.2 → 187 in, 188 out; 45 ± 1.8 → 46.8 in, 46.9 out.
    expect(tempoAcc2(187, 90)).toBe(true);
    expect(tempoAcc2(188, 90)).toBe(false);
    expect(tempoAcc2(46.8, 90)).toBe(true);
    expect(tempoAcc2(46.9, 90)).toBe(false);
    // 3:2 (dotted) is not forgiven.
    expect(tempoAcc2(180, 120)).toBe(false);
    expect(tempoAcc2(80, 120)).toBe(false);
  });

  it('never matches a missing or non-positive estimate', () => {
    expect(tempoAcc1(0, 120)).toBe(false);
    expect(tempoAcc2(Number.NaN, 120)).toBe(false);
    expect(tempoAcc2(-120, 120)).toBe(false);
  });

  it('names the relation', () => {
    expect(tempoRelation(121, 120)).toBe('exact');
    expect(tempoRelation(238, 120)).toBe('double');
    expect(tempoRelation(61, 120)).toBe('half');
    expect(tempoRelation(150, 50)).toBe('triple');
    expect(tempoRelation(50, 150)).toBe('third');
    expect(tempoRelation(100, 120)).toBe('wrong');
  });

  it('summarises: 4 clips, 2 exact, 1 double, 1 wrong → acc1 0.5, acc2 0.75', () => {
    const s = summarizeTempo([120, 100, 200, 90], [121, 100, 100, 60]);
    expect(s.acc1).toBe(0.5);
    expect(s.acc2).toBe(0.75);
    expect(s.relations).toEqual({ exact: 2, double: 1, half: 0, triple: 0, third: 0, wrong: 1 });
    expect(() => summarizeTempo([1], [])).toThrow(RangeError);
  });

  it('×3 and ×⅓ windows are 4 % of the scaled reference: 50 BPM → 150 ± 6, 150 BPM → 50 ± 2', () => {
    expect(tempoAcc2(156, 50)).toBe(true);
    expect(tempoAcc2(156.1, 50)).toBe(false);
    expect(tempoAcc2(52, 150)).toBe(true);
    expect(tempoAcc2(52.1, 150)).toBe(false);
  });

  it('summarises every relation: exact, ½, ×3, ×⅓ and 3:2 against 120 BPM → acc1 0.2, acc2 0.8', () => {
    const s = summarizeTempo([120, 60, 360, 40, 80], [120, 120, 120, 120, 120]);
    expect(s.n).toBe(5);
    expect(s.acc1).toBeCloseTo(0.2, 12);
    expect(s.acc2).toBeCloseTo(0.8, 12);
    expect(s.relations).toEqual({ exact: 1, double: 0, half: 1, triple: 1, third: 1, wrong: 1 });
  });

  it('takes another tolerance: 8 % of 100 BPM accepts 108, not 108.1; 8 % of 200 accepts 216 as a double', () => {
    expect(tempoAcc1(108, 100, 0.08)).toBe(true);
    expect(tempoAcc1(108.1, 100, 0.08)).toBe(false);
    expect(tempoAcc2(216, 100, 0.08)).toBe(true);
    expect(tempoAcc2(216, 100)).toBe(false);
  });

  it('an empty set scores 0, not NaN', () => {
    expect(summarizeTempo([], [])).toEqual({ n: 0, acc1: 0, acc2: 0, relations: { exact: 0, double: 0, half: 0, triple: 0, third: 0, wrong: 0 } });
  });
});

describe('MIREX weighted key score (mir_eval.key.weighted_score)', () => {
  const maj = (tonic: number) => ({ tonic, mode: 'major' as const });
  const min = (tonic: number) => ({ tonic, mode: 'minor' as const });

  it('same key 1', () => {
    expect(keyWeightedScore(maj(C), maj(C))).toBe(1);
    expect(keyWeightedScore(min(A), min(A))).toBe(1);
  });

  it('a fifth above in the same mode 0.5; a fifth below 0 unless descending fifths are allowed', () => {
    expect(keyWeightedScore(maj(G), maj(C))).toBe(0.5); // est G major, ref C major
    expect(keyWeightedScore(min(E), min(A))).toBe(0.5); // E minor for A minor
    expect(keyWeightedScore(maj(F), maj(C))).toBe(0);
    expect(keyWeightedScore(maj(F), maj(C), { allowDescendingFifths: true })).toBe(0.5);
    // A fifth apart but in different modes is not a fifth error.
    expect(keyWeightedScore(min(G), maj(C))).toBe(0);
  });

  it('relative 0.3 both ways, parallel 0.2, anything else 0', () => {
    expect(keyWeightedScore(min(A), maj(C))).toBe(0.3); // A minor for C major
    expect(keyWeightedScore(maj(C), min(A))).toBe(0.3); // C major for A minor
    expect(keyWeightedScore(maj(F), min(D))).toBe(0.3); // F major for D minor
    expect(keyWeightedScore(min(C), maj(C))).toBe(0.2);
    expect(keyWeightedScore(maj(A), min(A))).toBe(0.2);
    expect(keyWeightedScore(maj(D), maj(C))).toBe(0);
    // C minor for A minor (3 semitones up, same mode) is not "relative".
    expect(keyWeightedScore(min(C), min(A))).toBe(0);
    // E♭ major (relative of C minor) for C major is not relative either.
    expect(keyWeightedScore(maj(3), maj(C))).toBe(0);
  });

  it('wraps pitch classes (B major → F♯ major is a fifth above)', () => {
    expect(keyRelation(maj(6), maj(11))).toBe('fifth');
    expect(keyRelation(min(0), maj(3))).toBe('relative'); // C minor for E♭ major
  });

  it('summarises: 1 + 0.5 + 0.3 + 0.2 + 0 over 5 → 0.4, confusions counted apart', () => {
    const s = summarizeKeys([maj(C), maj(G), min(A), min(C), maj(D)], [maj(C), maj(C), maj(C), maj(C), maj(C)]);
    expect(s.weighted).toBeCloseTo(0.4, 12);
    expect(s.correct).toBeCloseTo(0.2, 12);
    expect(s.relations).toEqual({ same: 1, fifth: 1, relative: 1, parallel: 1, other: 1 });
  });

  it('summarises minor references: A minor ref, estimates A min, E min, C maj, A maj, F min, D min → (1 + 0.5 + 0.3 + 0.2) / 6', () => {
    const ref = min(A);
    const s = summarizeKeys([min(A), min(E), maj(C), maj(A), min(F), min(D)], [ref, ref, ref, ref, ref, ref]);
    expect(s.weighted).toBeCloseTo(2 / 6, 12);
    // D minor is a fifth *below* A minor: 0 by default, 0.5 with descending fifths.
    expect(s.relations).toEqual({ same: 1, fifth: 1, relative: 1, parallel: 1, other: 2 });
    expect(summarizeKeys([min(D)], [ref], { allowDescendingFifths: true }).weighted).toBe(0.5);
    expect(() => summarizeKeys([ref], [])).toThrow(RangeError);
    expect(summarizeKeys([], []).weighted).toBe(0);
  });
});
