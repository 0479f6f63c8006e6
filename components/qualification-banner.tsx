'use client';

import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { ApiError, apiFetch } from '@/lib/client/api';
import type { QualificationStatus } from '@/lib/qualification/schemas';

/**
 * Above the labeler while a contributor takes the qualification round: how far they are (counts
 * only), and a word when they pass. Polls only during a round; a failed round pauses the account,
 * and the paused page says why and when to come back.
 */
export function QualificationBanner() {
  const wasInRound = useRef(false);
  const query = useQuery({
    queryKey: ['qualification'],
    queryFn: () => apiFetch<QualificationStatus>('/api/me/qualification'),
    refetchInterval: (q) => (q.state.data?.state === 'in_progress' ? 2000 : false),
    retry: false,
  });
  const paused = query.error instanceof ApiError && query.error.status === 403 && /paused/.test(query.error.message);
  useEffect(() => {
    if (paused) window.location.assign('/paused');
  }, [paused]);
  const status = query.data;
  if (status?.state === 'in_progress') wasInRound.current = true;
  if (!status) return null;
  if (status.state === 'in_progress') {
    return (
      <div className="panel row qualification-banner" role="status" data-testid="qualification-banner">
        <strong>Qualification round</strong>
        <span>
          {status.answered} of {status.total} {status.total === 1 ? 'clip' : 'clips'} answered.{' '}
          {status.total === 1 ? 'This clip’s moods are' : 'These clips’ moods are'} known: your answers count once you pass.
        </span>
        <a href="/onboarding">Guidelines and rules</a>
      </div>
    );
  }
  if (status.state === 'qualified' && wasInRound.current) {
    return (
      <div className="panel row qualification-banner" role="status" data-testid="qualification-passed">
        <strong>You passed the qualification round.</strong>
        <span>Your answers count from now on.</span>
        {/* The labeler found nothing beyond the round's clips while it ran: a reload fetches ordinary ones. */}
        <a className="button" href="/label?start=1" data-testid="qualification-continue">
          Label on
        </a>
      </div>
    );
  }
  if (status.state === 'no_clips') {
    return (
      <div className="panel qualification-banner" role="status" data-testid="qualification-no-clips">
        Every qualification clip you could be asked has been used. Ask an admin to add gold clips or to let you in.
      </div>
    );
  }
  return null;
}
