'use client';

import { useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/client/api';
import { ownAccuracy } from '@/lib/client/explain';
import type { ContributorQuality } from '@/lib/crowd/schemas';

/**
 * The contributor's own accuracy on gold (honeypot) clips, current streak and median time per
 * answer. The server counts answers in blocks of ten, once past the undo window, so the figures
 * never reveal which clip was gold.
 */
export function ContributorStats({ answered }: { answered: number }) {
  const quality = useQuery({
    // Re-read after each answer: the block of ten the server counts may have moved on.
    queryKey: ['me-quality', answered],
    queryFn: () => apiFetch<ContributorQuality>('/api/me/quality'),
    // The last figures stay on screen while the next ones load (no flicker after each answer).
    placeholderData: (previous) => previous,
  });
  const q = quality.data;
  if (!q) return null;
  const hint = `Checked on hidden test clips; updated every 10 answers (next in ${q.nextUpdateIn}).`;
  const pace =
    q.medianAnswerS === null ? null : (
      <span title="Median time from a clip on screen to your answer" data-testid="median-answer-time">
        {' · '}
        <strong style={{ color: 'var(--text)' }}>{q.medianAnswerS.toFixed(1)} s</strong> per answer
      </span>
    );
  if (q.goldAnswered === 0) {
    return (
      <span className="muted" title={hint} data-testid="contributor-stats">
        {ownAccuracy(q)}
        {pace}
      </span>
    );
  }
  return (
    <span className="muted" title={hint} data-testid="contributor-stats">
      {ownAccuracy(q)}
      {' · '}
      <span title="Test clips answered entirely right in a row, counting back from the latest">
        <strong style={{ color: 'var(--text)' }}>{q.streak}</strong> right in a row
      </span>
      {pace}
    </span>
  );
}
