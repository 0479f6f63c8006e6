import { describe, expect, it } from 'vitest';
import { decideClipState, disputeReason, supportedLabels } from '@/lib/crowd/clip-state';
import { goldTagChecks, tagGoldFor } from '@/lib/crowd/live';
import { assessContributor, playableMs, type ListenEvent } from '@/lib/crowd/quality';

const TAGS = ['happy', 'sad', 'calm', 'energetic', 'tense', 'dreamy', 'dark', 'uplifting'];

describe('gold scored per tag, with tolerated tags', () => {
  const gold = tagGoldFor({ tags: ['calm'], tolerated: ['dreamy'] }, TAGS);

  it('each fixed tag is one check; a tolerated tag is free', () => {
    expect(Object.keys(gold)).toHaveLength(7);
    expect(goldTagChecks({ tags: ['calm'] }, gold)).toEqual({ right: 7, total: 7 });
    expect(goldTagChecks({ tags: ['calm', 'dreamy'] }, gold)).toEqual({ right: 7, total: 7 });
    // Missed calm and ticked sad: two of seven checks wrong.
    expect(goldTagChecks({ tags: ['sad'] }, gold)).toEqual({ right: 5, total: 7 });
    expect(goldTagChecks({ questionTag: 'calm', answer: true }, gold)).toEqual({ right: 1, total: 1 });
    expect(goldTagChecks({ questionTag: 'dark', answer: true }, gold)).toEqual({ right: 0, total: 1 });
    expect(goldTagChecks({ questionTag: 'dreamy', answer: false }, gold)).toEqual({ right: 0, total: 0 });
  });

  it('a worker wrong on one tag in twenty answers scores 139/140 ≈ 99 %, not 95 % of answers right', () => {
    let right = 0;
    let total = 0;
    for (let i = 0; i < 20; i++) {
      const c = goldTagChecks({ tags: i === 0 ? ['calm', 'sad'] : ['calm'] }, gold);
      right += c.right;
      total += c.total;
    }
    expect([right, total]).toEqual([139, 140]);
  });
});

describe('spam checks judge the playable length over a recent window', () => {
  const event = (listenedMs: number, clipDurationMs = 20_000, answer = String(Math.random())): ListenEvent => ({
    listenedMs,
    clipDurationMs,
    answer,
  });

  it('playable length: from the excerpt start, at most the 30 s excerpt', () => {
    expect(playableMs(12, 0)).toBe(12_000);
    expect(playableMs(240, 40)).toBe(30_000);
    expect(playableMs(20, 15)).toBe(5_000);
    expect(playableMs(null)).toBe(30_000);
  });

  it('a good, quick listener (5 s of 20 s clips) keeps full weight and is never paused', () => {
    const votes = Array.from({ length: 60 }, (_, i) => event(i % 20 === 0 ? 2_500 : 5_000));
    // Answers 0, 20 and 40 under 3 s; only answer 40 is among the latest 30: 1/30, far from half.
    const a = assessContributor({ votes });
    expect(a.flags).toEqual([]);
    expect(a.pause).toBe(false);
    expect(a.tooFastShare).toBeCloseTo(1 / 30, 12);
    expect(a.weight).toBeCloseTo(29 / 30, 12);
  });

  it('rushing half the latest 30 answers pauses; rushing long ago does not', () => {
    const rushedNow = [...Array.from({ length: 15 }, () => event(20_000)), ...Array.from({ length: 15 }, () => event(1_000))];
    expect(assessContributor({ votes: rushedNow })).toMatchObject({ pause: true, flags: ['too_fast'], tooFastShare: 0.5 });
    const rushedThen = [...Array.from({ length: 20 }, () => event(1_000)), ...Array.from({ length: 30 }, () => event(12_000))];
    expect(assessContributor({ votes: rushedThen })).toMatchObject({ pause: false, flags: [], tooFastShare: 0 });
  });

  it('needs evidence: nine rushed answers are not enough to judge', () => {
    expect(assessContributor({ votes: Array.from({ length: 9 }, () => event(500)) }).pause).toBe(false);
    expect(assessContributor({ votes: Array.from({ length: 10 }, () => event(500)) }).pause).toBe(true);
  });
});

describe('a label rests on votes, never on a prior alone', () => {
  it('supportedLabels: posterior ≥ 0.5 and at least one yes, or gold', () => {
    expect(supportedLabels([0.97, 0.8, 0.3], [2, 0, 1])).toEqual([true, false, false]);
    expect(supportedLabels([1, 0.8], [0, 0], [true, false])).toEqual([true, false]);
  });

  it('a tag "settled" by the prior with no yes vote keeps the clip open', () => {
    // Three votes, nobody ticked tag 0, yet the posterior says 0.95 (a skewed prior).
    const unsupported = decideClipState([0.95, 0.02], 3, {}, { yesVotes: [0, 0] });
    expect(unsupported.state).toBe('open');
    expect(unsupported.unsettledTags).toEqual([0]);
    expect(decideClipState([0.95, 0.02], 3, {}, { yesVotes: [2, 0] }).state).toBe('consensus');
    // Gold fixes the tag: settled without votes.
    expect(decideClipState([1, 0.02], 3, {}, { yesVotes: [0, 0], fixed: [true, false] }).state).toBe('consensus');
  });

  it('a disputed clip names the tags in doubt; the others are settled', () => {
    const d = decideClipState([0.99, 0.6, 0.01], 7, {}, { tags: ['sad', 'dark', 'calm'], yesVotes: [7, 4, 0] });
    expect(d.state).toBe('disputed');
    expect(d.unsettledTags).toEqual([1]);
    expect(d.reason).toBe('dark still uncertain after 7 of at most 7 votes; the other tags are settled');
  });

  it('the review reason matches the numbers: no "vote limit reached" on a clip with 4 of 7 votes', () => {
    const tags = [
      { tag: 'dark', posterior: 0.6, yes: 4, no: 3 },
      { tag: 'sad', posterior: 0.99, yes: 7, no: 0 },
    ];
    expect(disputeReason({ votes: 7, maxVotes: 7, threshold: 0.9, tags })).toBe(
      'The crowd disputes dark (4 yes, 3 no) after 7 of at most 7 votes; the other tags are settled',
    );
    const early = disputeReason({ votes: 4, maxVotes: 7, threshold: 0.9, tags: [{ tag: 'tense', posterior: 0.5, yes: 2, no: 2 }] });
    expect(early).toBe('The crowd disputes tense (2 yes, 2 no) after 4 votes that disagree more than chance (the limit is 7)');
    expect(early).not.toContain('limit was reached');
  });
});
