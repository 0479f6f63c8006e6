import { describe, expect, it } from 'vitest';
import { DEFAULT_QUALITY_SETTINGS as S } from '@/lib/crowd/quality';
import { median, pauseReasonFrom } from '@/lib/pause/reason';
import { describePauseCheck, PauseReasonSchema } from '@/lib/pause/schemas';

const vote = (listenedMs: number, answer = 'calm', clipDurationMs = 30_000) => ({ listenedMs, clipDurationMs, answer });

describe('pauseReasonFrom', () => {
  it('too fast: the numbers of the judged window (the latest answers), not of the whole history', () => {
    // 10 careful answers long ago, then 30 answered after 0.4–1.2 s: the window holds only the quick ones.
    const votes = [...Array.from({ length: 10 }, () => vote(25_000)), ...Array.from({ length: 30 }, (_, i) => vote(400 + (i % 5) * 200))];
    const reason = pauseReasonFrom({ flags: ['too_fast'], votes });
    expect(PauseReasonSchema.parse(reason)).toEqual(reason);
    expect(reason.checks).toEqual([
      {
        check: 'too_fast',
        answers: S.tooFastWindow,
        tooFast: 30,
        medianListenedS: 0.8,
        medianClipS: 30,
        minListenS: S.minListenMs / 1000,
        minListenFraction: S.minListenFraction,
        limitShare: S.tooFastPauseShare,
      },
    ]);
    expect(describePauseCheck(reason.checks[0])).toBe(
      `Your latest 30 answers came after a median 0.8 s of listening each (the excerpts are 30 s long); 30 of them (100 %) came before ` +
        `the minimum of ${(S.minListenMs / 1000).toFixed(1)} s or ${Math.round(S.minListenFraction * 100)} % of the excerpt, whichever is shorter. ` +
        `The limit is ${Math.round(S.tooFastPauseShare * 100)} %.`,
    );
  });

  it('same answer, low reliability and gold: each flag with its own numbers', () => {
    const votes = [...Array.from({ length: 19 }, () => vote(20_000, 'calm|dreamy')), vote(20_000, 'sad')];
    const reason = pauseReasonFrom({
      flags: ['same_answer', 'low_reliability', 'low_gold_accuracy'],
      votes,
      reliability: { mean: 0.52, std: 0.03 },
      gold: { correct: 3, total: 12 },
    });
    expect(reason.checks).toEqual([
      { check: 'same_answer', answers: 20, same: 19, answer: 'calm, dreamy', limitShare: S.sameAnswerShare },
      { check: 'low_reliability', mean: 0.52, std: 0.03, floor: S.reliabilityFloor },
      { check: 'low_gold_accuracy', correct: 3, total: 12, floor: S.goldAccuracyFloor },
    ]);
    expect(describePauseCheck(reason.checks[0])).toContain('(“calm, dreamy”) to 19 of 20 clips (95 %)');
    expect(describePauseCheck(reason.checks[2])).toContain('3 of your 12 mood choices matched it (25 %)');
  });

  it('a flag without its numbers is still named', () => {
    expect(pauseReasonFrom({ flags: ['low_gold_accuracy'], votes: [] }).checks).toEqual([{ check: 'other', detail: 'low_gold_accuracy' }]);
  });

  it('median of the finite values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([Infinity, 5])).toBe(5);
    expect(median([])).toBeNull();
  });
});
