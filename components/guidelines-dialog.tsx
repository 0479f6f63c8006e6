'use client';

import { useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/client/api';
import type { GuidelinesResponse } from '@/lib/guidelines/schemas';
import { GuidelineList } from './guideline-list';
import { Modal } from './work-dialogs';

/**
 * The labeler's guidelines overlay (G): the moods' guidelines and examples over the clip, so the
 * lease and the picked moods stay as they are. Loaded on first open, then cached.
 */
export function GuidelinesDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const query = useQuery({
    queryKey: ['guidelines'],
    queryFn: () => apiFetch<GuidelinesResponse>('/api/guidelines'),
    enabled: open,
    staleTime: 60_000,
  });
  return (
    <Modal open={open} onClose={onClose} title="Mood guidelines" testId="guidelines-dialog">
      {query.isPending ? (
        <p className="muted">Loading…</p>
      ) : query.isError ? (
        <p className="error">{query.error.message}</p>
      ) : (
        <GuidelineList tags={query.data.tags} />
      )}
      <form method="dialog" className="row" style={{ justifyContent: 'flex-end' }}>
        <button type="submit" autoFocus>
          Back to the clip
        </button>
      </form>
    </Modal>
  );
}
