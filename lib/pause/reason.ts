import { DEFAULT_QUALITY_SETTINGS, isTooFast, type Estimate, type ListenEvent, type QualityFlag, type QualitySettings } from '@/lib/crowd/quality';
import type { PauseCheck, PauseReason } from './schemas';

/**
 * The evidence behind a pause, from the same answers and estimates the spam checks judged
 * (lib/crowd/quality.ts): one entry per raised flag, with the numbers a person can check. Pure.
 *
 * Complexity O(n log n) in the number of answers (two medians).
 *
 * @example
 * pauseReasonFrom({ flags: ['too_fast'], votes: Array(14).fill({ listenedMs: 1200, clipDurationMs: 30000, answer: 'happy' }) })
 * // { checks: [{ check: 'too_fast', answers: 14, tooFast: 14, medianListenedS: 1.2, medianClipS: 30, … }] }
 */
export function pauseReasonFrom(
  input: {
    readonly flags: readonly QualityFlag[];
    readonly votes: readonly ListenEvent[];
    readonly reliability?: Estimate;
    readonly gold?: { readonly correct: number; readonly total: number };
  },
  settings: QualitySettings = DEFAULT_QUALITY_SETTINGS,
): PauseReason {
  const { votes } = input;
  const checks: PauseCheck[] = [];
  for (const flag of input.flags) {
    switch (flag) {
      case 'too_fast': {
        // The check judges the latest `tooFastWindow` answers (votes arrive in time order): so do the numbers.
        const judged = votes.slice(Math.max(0, votes.length - settings.tooFastWindow));
        checks.push({
          check: 'too_fast',
          answers: judged.length,
          tooFast: judged.filter((v) => isTooFast(v.listenedMs, v.clipDurationMs, settings)).length,
          medianListenedS: secondsOrNull(median(judged.map((v) => v.listenedMs))),
          medianClipS: secondsOrNull(median(judged.map((v) => v.clipDurationMs))),
          minListenS: settings.minListenMs / 1000,
          minListenFraction: settings.minListenFraction,
          limitShare: settings.tooFastPauseShare,
        });
        break;
      }
      case 'same_answer': {
        const counts = new Map<string, number>();
        for (const v of votes) counts.set(v.answer, (counts.get(v.answer) ?? 0) + 1);
        const [answer, same] = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0] ?? ['', 0];
        checks.push({
          check: 'same_answer',
          answers: votes.length,
          same,
          answer: answer.split(/[|,\u0000]/).filter(Boolean).join(', ').slice(0, 500),
          limitShare: settings.sameAnswerShare,
        });
        break;
      }
      case 'low_reliability':
        if (input.reliability) {
          checks.push({
            check: 'low_reliability',
            mean: clamp01(input.reliability.mean),
            std: Math.max(0, input.reliability.std),
            floor: settings.reliabilityFloor,
          });
        }
        break;
      case 'low_gold_accuracy':
        if (input.gold) {
          checks.push({ check: 'low_gold_accuracy', correct: input.gold.correct, total: input.gold.total, floor: settings.goldAccuracyFloor });
        }
        break;
    }
  }
  // A flag whose numbers are missing still pauses: say so rather than show nothing.
  if (checks.length === 0) checks.push({ check: 'other', detail: input.flags.join(', ') || 'no flag recorded' });
  return { checks };
}

/** Median of the finite values; null when there are none. O(n log n). */
export function median(values: readonly number[]): number | null {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return null;
  const mid = finite.length >> 1;
  return finite.length % 2 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
}

const secondsOrNull = (ms: number | null) => (ms === null ? null : Math.round(ms / 100) / 10);
const clamp01 = (x: number) => Math.min(1, Math.max(0, x));
