import { describe, expect, it } from 'vitest';
import { assessContributor, decideClipState, type ListenEvent } from '@/lib/crowd';
import { clipStateSettings, qualitySettingsFor } from '@/lib/crowd/policy';
import { ProjectSettingsFields, ProjectSettingsPatchSchema } from '@/lib/settings/schemas';

const defaults = ProjectSettingsFields.parse({});

describe('disputeAlpha and the spam thresholds as project settings (issue 15 item 6)', () => {
  it('defaults keep the behaviour the crowd code had before they were settings', () => {
    expect(defaults).toMatchObject({
      disputeAlpha: 0,
      spamMinListenMs: 3000,
      spamMinListenFraction: 0.2,
      spamTooFastShare: 0.5,
      spamTooFastWindow: 30,
      spamSameAnswerShare: 0.9,
      spamMinAnswers: 10,
      spamReliabilityFloor: 0.6,
      spamGoldAccuracyFloor: 0.6,
    });
  });

  it('disputeAlpha reaches the clip state decision', () => {
    // p = 0.6 at 6 of 9 votes needs 2 more (⌈(logit .9 − logit .6)/log 4⌉), 3 are left: never early…
    // …with maxVotes 7 one is left, so agreement 0.4 disputes at disputeAlpha 0.5 and not at the default 0.
    const base = { ...defaults, maxVotes: 7 };
    expect(decideClipState([0.6], 6, clipStateSettings(base), { agreement: 0.4 }).state).toBe('open');
    expect(decideClipState([0.6], 6, clipStateSettings({ ...base, disputeAlpha: 0.5 }), { agreement: 0.4 }).state).toBe('disputed');
  });

  it('the spam thresholds reach the contributor assessment', () => {
    // 12 answers after 2.5 s of a 30 s clip: too fast under the default 3 s, not under 2 s.
    const votes: ListenEvent[] = Array.from({ length: 12 }, (_, i) => ({ listenedMs: 2500, clipDurationMs: 30_000, answer: String(i) }));
    expect(assessContributor({ votes }, qualitySettingsFor(defaults)).flags).toEqual(['too_fast']);
    expect(assessContributor({ votes }, qualitySettingsFor({ ...defaults, spamMinListenMs: 2000 })).flags).toEqual([]);
    // The same answer on 8 of 10: flagged at a 0.8 limit, not at the default 0.9.
    const same: ListenEvent[] = Array.from({ length: 10 }, (_, i) => ({ listenedMs: 9000, clipDurationMs: 30_000, answer: i < 8 ? 'calm' : String(i) }));
    expect(assessContributor({ votes: same }, qualitySettingsFor(defaults)).flags).toEqual([]);
    expect(assessContributor({ votes: same }, qualitySettingsFor({ ...defaults, spamSameAnswerShare: 0.8 })).flags).toEqual(['same_answer']);
    // …and not before spamMinAnswers answers.
    expect(assessContributor({ votes: same }, qualitySettingsFor({ ...defaults, spamSameAnswerShare: 0.8, spamMinAnswers: 11 })).flags).toEqual([]);
  });

  it('refuses out-of-range values with a message that names the field and its range', () => {
    const messages = (patch: object) => {
      const r = ProjectSettingsPatchSchema.safeParse(patch);
      return r.success ? [] : r.error.issues.map((i) => i.message);
    };
    expect(messages({ disputeAlpha: 1.5 })).toEqual(['disputeAlpha must be at most 1']);
    expect(messages({ spamSameAnswerShare: 0.3 })).toEqual([
      'spamSameAnswerShare must be at least 0.5 (below that every contributor has a "same answer")',
    ]);
    expect(messages({ spamTooFastShare: 0 })[0]).toMatch(/^spamTooFastShare must be at least 0.05/);
    expect(messages({ spamTooFastWindow: 2.5 })).toHaveLength(1);
    expect(messages({ spamMinListenMs: 500, spamReliabilityFloor: 0.7 })).toEqual([]);
  });
});
