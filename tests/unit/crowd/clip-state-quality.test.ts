import { describe, expect, it } from 'vitest';
import { assessContributor, decideClipState, isTooFast, type ListenEvent } from '@/lib/crowd';

describe('decideClipState', () => {
  it('consensus needs every tag settled and the minimum number of votes', () => {
    expect(decideClipState([0.97, 0.02], 3)).toMatchObject({ state: 'consensus', votesWanted: 0, unsettledTags: [] });
    expect(decideClipState([0.97, 0.02], 2)).toMatchObject({ state: 'open', votesWanted: 1 });
    expect(decideClipState({ calm: 0.95, sad: 0.1 }, 4)).toMatchObject({ state: 'consensus' });
  });

  it('asks for as many votes as an average worker needs to settle the weakest tag', () => {
    // logit 0.9 − logit 0.7 = 1.35 ≤ log 4 → 1 vote; logit 0.9 − logit 0.5 = 2.20 → 2 votes
    expect(decideClipState([0.7, 0.02], 3)).toMatchObject({ state: 'open', votesWanted: 1, unsettledTags: [0] });
    expect(decideClipState([0.5, 0.6], 3)).toMatchObject({ state: 'open', votesWanted: 2, unsettledTags: [0, 1] });
    // never beyond maxVotes
    expect(decideClipState([0.5], 6, { expectedVoteLogOdds: 0.1 })).toMatchObject({ state: 'open', votesWanted: 1 });
  });

  it('disputed at maxVotes, or earlier on strong disagreement the remaining votes cannot settle, only while uncertain', () => {
    expect(decideClipState([0.6], 7)).toMatchObject({ state: 'disputed', votesWanted: 0 });
    // p = 0.6 needs ⌈(logit 0.9 − logit 0.6) / log 4⌉ = ⌈1.29⌉ = 2 more votes: 6 votes leave 1 → disputed now…
    expect(decideClipState([0.6], 6, {}, { agreement: -0.3 })).toMatchObject({ state: 'disputed' });
    // …4 votes leave 3, so ask for them first (three noisy votes below chance agreement are not a dispute).
    expect(decideClipState([0.6], 4, {}, { agreement: -0.3 })).toMatchObject({ state: 'open', votesWanted: 2 });
    expect(decideClipState([0.6], 2, {}, { agreement: -0.3 })).toMatchObject({ state: 'open' });
    expect(decideClipState([0.99], 4, {}, { agreement: -0.3 })).toMatchObject({ state: 'consensus' });
    expect(decideClipState([0.6], 6, { disputeAlpha: 0.5 }, { agreement: 0.4 })).toMatchObject({ state: 'disputed' });
  });

  it('an expert decision is final', () => {
    expect(decideClipState([0.5], 1, {}, { expertResolved: true })).toMatchObject({ state: 'expert_resolved', votesWanted: 0 });
  });

  it('respects a custom threshold and rejects inconsistent settings', () => {
    expect(decideClipState([0.85], 3, { consensusThreshold: 0.8 }).state).toBe('consensus');
    expect(() => decideClipState([0.5], 1, { minVotes: 5, maxVotes: 3 })).toThrow(/maxVotes/);
    expect(() => decideClipState([0.5], 1, { consensusThreshold: 0.4 })).toThrow(/consensusThreshold/);
  });
});

describe('contributor quality', () => {
  const heard = (answer: string): ListenEvent => ({ listenedMs: 20_000, clipDurationMs: 30_000, answer });
  const rushed = (answer: string): ListenEvent => ({ listenedMs: 1_500, clipDurationMs: 30_000, answer });

  it('a vote is too fast before min(3 s, a fifth of the playable length) of listening', () => {
    expect(isTooFast(2_000, 30_000)).toBe(true);
    expect(isTooFast(3_000, 30_000)).toBe(false);
    // A quick listener who names the mood after 5 s of a 20 s clip heard it (was "too fast" under 8 s).
    expect(isTooFast(5_000, 20_000)).toBe(false);
    // 10 s clip: a fifth is 2 s.
    expect(isTooFast(2_500, 10_000)).toBe(false);
    expect(isTooFast(1_500, 10_000)).toBe(true);
  });

  it('a careful, varied contributor keeps full weight', () => {
    const votes = ['calm', 'sad', 'happy', 'calm', 'tender', 'sad', 'happy', 'angry', 'calm', 'sad'].map(heard);
    expect(assessContributor({ votes, reliability: { mean: 0.85, std: 0.05 } })).toMatchObject({ weight: 1, pause: false, flags: [] });
  });

  it('rushing lowers the weight and pauses past the limit', () => {
    const votes = [...Array.from({ length: 6 }, () => rushed('calm')), ...['sad', 'happy', 'tender', 'angry'].map(heard)];
    const result = assessContributor({ votes });
    expect(result.tooFastShare).toBe(0.6);
    expect(result.weight).toBeCloseTo(0.4, 12);
    expect(result.pause).toBe(true);
    expect(result.flags).toEqual(['too_fast']);
  });

  it('the same answer for everything is flagged, but not on a handful of votes', () => {
    const same = Array.from({ length: 20 }, () => heard('happy'));
    expect(assessContributor({ votes: same })).toMatchObject({ weight: 0.25, pause: true, flags: ['same_answer'] });
    expect(assessContributor({ votes: same.slice(0, 5) })).toMatchObject({ weight: 1, pause: false });
  });

  it('low reliability or gold accuracy counts only once the interval is below the floor', () => {
    const votes = ['calm', 'sad', 'happy'].map(heard);
    expect(assessContributor({ votes, reliability: { mean: 0.5, std: 0.2 } }).pause).toBe(false);
    expect(assessContributor({ votes, reliability: { mean: 0.5, std: 0.03 } })).toMatchObject({ pause: true, flags: ['low_reliability'] });
    const both = assessContributor({ votes, reliability: { mean: 0.5, std: 0.03 }, gold: { mean: 0.3, std: 0.05 } });
    expect(both.flags).toEqual(['low_reliability', 'low_gold_accuracy']);
    expect(both.weight).toBeCloseTo(0.25 ** 2, 12);
  });
});
