import type { ProjectSettings } from '@/lib/settings/schemas';
import type { ClipDecision, ClipStateSettings } from './clip-state';
import { DEFAULT_QUALITY_SETTINGS, type QualitySettings } from './quality';

/** The clip life-cycle thresholds from project settings (maxVotes never below minVotes). */
export function clipStateSettings(settings: ProjectSettings): Partial<ClipStateSettings> {
  return {
    consensusThreshold: settings.consensusThreshold,
    minVotes: settings.minVotes,
    maxVotes: Math.max(settings.maxVotes, settings.minVotes),
    disputeAlpha: settings.disputeAlpha,
  };
}

/** The spam checks' limits from project settings (the admin's `spam*` fields). */
export function qualitySettingsFor(settings: ProjectSettings): QualitySettings {
  return {
    ...DEFAULT_QUALITY_SETTINGS,
    minListenMs: settings.spamMinListenMs,
    minListenFraction: settings.spamMinListenFraction,
    tooFastPauseShare: settings.spamTooFastShare,
    tooFastWindow: settings.spamTooFastWindow,
    sameAnswerShare: settings.spamSameAnswerShare,
    minVotesForJudgement: settings.spamMinAnswers,
    reliabilityFloor: settings.spamReliabilityFloor,
    goldAccuracyFloor: settings.spamGoldAccuracyFloor,
  };
}

/**
 * Adaptive overlap: an open clip may be handed out until it has the votes it still wants —
 * raised from its current target, never beyond maxVotes, never lowered (a lease already out
 * keeps its slot). Settled clips keep their target; they left the queue with `label_state`.
 */
export function overlapTargetAfter(decision: ClipDecision, answers: number, current: number, settings: ProjectSettings): number {
  if (decision.state !== 'open') return current;
  return Math.max(current, Math.min(Math.max(settings.maxVotes, settings.minVotes), answers + decision.votesWanted));
}
