import type { ProjectSettings } from '@/lib/settings/schemas';
import type { ClipDecision, ClipStateSettings } from './clip-state';

/** The clip life-cycle thresholds from project settings (maxVotes never below minVotes). */
export function clipStateSettings(settings: ProjectSettings): Partial<ClipStateSettings> {
  return {
    consensusThreshold: settings.consensusThreshold,
    minVotes: settings.minVotes,
    maxVotes: Math.max(settings.maxVotes, settings.minVotes),
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
