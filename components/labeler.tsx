'use client';

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, apiFetch } from '@/lib/client/api';
import { focusWorkArea, useHotkeys, useRefocus, type Hotkey } from '@/lib/client/hotkeys';
import { useLeaseRenewal } from '@/lib/client/lease-renewal';
import { UNDO_WINDOW_SECONDS, type QueueItem, type UndoResult, type VoteInput, type VoteResult } from '@/lib/queue/schemas';
import { AudioPlayer, type PlayerControl } from './audio-player';
import { ContributorStats } from './crowd-contributor-stats';
import { FlagDialog, KeyHints } from './work-dialogs';
import { GuidelinesDialog } from './guidelines-dialog';
import { TagChips } from './tag-chips';

type Pending = { input: VoteInput; title: string };

/** The answer that can still be undone: its save in flight (the vote id once stored) and when it was given. */
type LastAnswer = { saved: Promise<VoteResult | null>; title: string; counted: boolean; at: number };

/** The toast offers undo a little less long than the server allows, so a late press still lands in time. */
const UNDO_OFFER_MS = UNDO_WINDOW_SECONDS * 1000 - 1500;

/** How many clips the page holds: the one on screen plus the preloaded next one. */
const HELD = 2;

/**
 * The crowd labeling screen: one clip, one decision, keyboard first. The next clip is
 * leased and its audio preloaded while the current one plays, and votes are sent in the
 * background with a stable idempotency key, so moving on never waits for the network.
 */
export function Labeler() {
  const [items, setItems] = useState<QueueItem[]>([]);
  const [selected, setSelected] = useState<string[]>([]);
  const [state, setState] = useState<'loading' | 'ready' | 'empty' | 'error'>('loading');
  const [message, setMessage] = useState<string | null>(null);
  /** "Pick at least one mood": cleared as soon as a mood is picked. */
  const [hint, setHint] = useState<string | null>(null);
  const [flagging, setFlagging] = useState(false);
  const [help, setHelp] = useState(false);
  /** The mood guidelines over the clip (G): the lease and the picked moods stay. */
  const [guide, setGuide] = useState(false);
  const [done, setDone] = useState(0);
  /** The undo toast: 'saving' until the answer is stored, then 'saved' until the window closes. */
  const [toast, setToast] = useState<{ state: 'saving' | 'saved' | 'undoing'; title: string } | null>(null);
  const last = useRef<LastAnswer | null>(null);
  const workArea = useRef<HTMLDivElement>(null);
  const player = useRef<PlayerControl>(null);
  const refocus = useRefocus(workArea);
  const shownAt = useRef(Date.now());
  const fetching = useRef(false);
  const itemsRef = useRef<QueueItem[]>([]);
  itemsRef.current = items;

  const topUp = useCallback(async () => {
    if (fetching.current) return;
    fetching.current = true;
    try {
      while (itemsRef.current.length < HELD) {
        const exclude = itemsRef.current.map((i) => i.clip.id).join(',');
        // 204 (no body) when nothing is left: an ordinary answer, not an error the console shows.
        const next = await apiFetch<QueueItem | undefined>(`/api/queue/next${exclude ? `?exclude=${exclude}` : ''}`);
        if (!next) {
          if (itemsRef.current.length === 0) setState('empty');
          break;
        }
        if (itemsRef.current.some((i) => i.lease.id === next.lease.id)) break;
        itemsRef.current = [...itemsRef.current, next];
        setItems(itemsRef.current);
        setState('ready');
      }
    } catch (err) {
      if (err instanceof ApiError && err.code === 'QUEUE_EMPTY') {
        if (itemsRef.current.length === 0) setState('empty');
      } else {
        setMessage(err instanceof Error ? err.message : String(err));
        if (itemsRef.current.length === 0) setState('error');
      }
    } finally {
      fetching.current = false;
    }
  }, []);

  useEffect(() => {
    void topUp();
  }, [topUp]);

  const current = items[0];
  useLeaseRenewal(items.map((i) => i.lease));

  useEffect(() => {
    shownAt.current = Date.now();
    setSelected([]);
    setHint(null);
    // A new clip: whatever had the focus (a chip, the flag dialog's text box) hands the keyboard back.
    focusWorkArea(workArea);
  }, [current?.lease.id]);

  const send = useCallback(async ({ input, title }: Pending): Promise<VoteResult | null> => {
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await apiFetch<VoteResult>('/api/votes', { method: 'POST', body: JSON.stringify(input) });
        setDone((n) => n + (input.kind === 'skip' ? 0 : 1));
        return result;
      } catch (err) {
        const retryable = !(err instanceof ApiError) || err.status >= 500;
        if (retryable && attempt < 4) {
          await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
          continue;
        }
        setMessage(`Your answer on “${title}” was not saved: ${err instanceof Error ? err.message : String(err)}`);
        return null;
      }
    }
  }, []);

  // The toast closes when the undo window does (a newer answer replaces it and its timer).
  useEffect(() => {
    if (!toast || toast.state === 'undoing') return;
    const at = last.current?.at ?? Date.now();
    const timer = setTimeout(() => setToast(null), Math.max(0, at + UNDO_OFFER_MS - Date.now()));
    return () => clearTimeout(timer);
  }, [toast]);

  const advance = useCallback(
    (build: (item: QueueItem, base: { leaseId: string; idempotencyKey: string; listenedMs: number }) => VoteInput) => {
      const item = itemsRef.current[0];
      if (!item) return;
      const input = build(item, {
        leaseId: item.lease.id,
        // One key per lease: a retried submit of this answer is recognised by the server.
        idempotencyKey: `lease-${item.lease.id}`,
        listenedMs: Date.now() - shownAt.current,
      });
      itemsRef.current = itemsRef.current.slice(1);
      setItems(itemsRef.current);
      if (itemsRef.current.length === 0) setState('loading');
      const saved = send({ input, title: item.clip.title });
      const answer: LastAnswer = { saved, title: item.clip.title, counted: input.kind !== 'skip', at: Date.now() };
      last.current = answer;
      setToast({ state: 'saving', title: item.clip.title });
      void saved.then((result) => {
        if (last.current !== answer) return;
        if (result) setToast({ state: 'saved', title: answer.title });
        else {
          last.current = null;
          setToast(null);
        }
      });
      void topUp();
    },
    [send, topUp],
  );

  const submit = useCallback(() => {
    if (!current) return;
    if (current.question) return;
    if (selected.length === 0) {
      setHint('Pick at least one mood (keys 1–9), None of these (0), or skip with S.');
      return;
    }
    setHint(null);
    const tags = selected;
    advance((_item, base) => ({ kind: 'vote', tags, ...base }));
  }, [advance, current, selected]);

  const toggle = useCallback((key: string) => {
    setSelected((s) => (s.includes(key) ? s.filter((k) => k !== key) : [...s, key]));
    setHint(null);
  }, []);

  const skip = useCallback(() => advance((_item, base) => ({ kind: 'skip', ...base })), [advance]);
  /** "None of these moods fit": a vote that says no to every mood. */
  const none = useCallback(() => {
    if (!current || current.question) return;
    setHint(null);
    advance((_item, base) => ({ kind: 'none', ...base }));
  }, [advance, current]);

  /**
   * Takes the last answer back (within the undo window): the server removes it and hands the
   * clip back under a fresh lease, which goes in front again with the moods cleared.
   */
  const undo = useCallback(async () => {
    const answer = last.current;
    if (!answer || Date.now() - answer.at > UNDO_OFFER_MS) return;
    last.current = null;
    setToast({ state: 'undoing', title: answer.title });
    try {
      const saved = await answer.saved;
      if (!saved) return;
      const result = await apiFetch<UndoResult>('/api/votes/undo', {
        method: 'POST',
        body: JSON.stringify({ voteId: saved.voteId }),
      });
      if (!result.replayed && answer.counted) setDone((n) => Math.max(0, n - 1));
      const back = result.item;
      if (back) {
        // In front again; a top-up that ran after the server gave the lease back may already
        // hold it further down the list (the queue hands out a contributor's live leases first).
        itemsRef.current = [back, ...itemsRef.current.filter((i) => i.lease.id !== back.lease.id)];
        setItems(itemsRef.current);
        setState('ready');
      }
      setMessage(back ? null : `Your answer on “${answer.title}” was undone; the clip went back to the queue.`);
    } catch (err) {
      setMessage(`Could not undo your answer on “${answer.title}”: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      setToast(null);
    }
  }, []);
  const answer = useCallback((yes: boolean) => advance((_item, base) => ({ kind: 'targeted', answer: yes, ...base })), [advance]);
  const flag = useCallback(
    (reason: string) => {
      setFlagging(false);
      advance((_item, base) => ({ kind: 'flag', reason, ...base }));
    },
    [advance],
  );

  const undoKey = useMemo<Hotkey>(
    () => ({
      keys: ['u', 'mod+z'],
      label: `Undo your last answer (for ${UNDO_WINDOW_SECONDS} s)`,
      display: 'U / Ctrl+Z',
      run: () => void undo(),
    }),
    [undo],
  );
  const question = !!current?.question;
  const tags = current?.taxonomy.tags;
  const bindings = useMemo<Hotkey[]>(() => {
    const moods: Hotkey[] = (tags ?? []).slice(0, 9).map((tag, i) => ({
      keys: String(i + 1),
      label: 'Toggle a mood',
      display: '1–9',
      hidden: i > 0,
      enabled: !question,
      run: () => toggle(tag.key),
    }));
    return [
      { keys: 'space', label: 'Play / pause', run: () => player.current?.toggle() },
      ...moods,
      { keys: 'enter', label: 'Submit the moods', enabled: !question, run: submit },
      { keys: ['0', 'n'], label: 'None of these moods fit', display: '0 / N', enabled: !question, run: none },
      { keys: 'y', label: 'Yes (a yes/no question)', enabled: question, run: () => answer(true) },
      { keys: 'n', label: 'No (a yes/no question)', enabled: question, run: () => answer(false) },
      { keys: 's', label: 'Skip this clip', run: skip },
      undoKey,
      { keys: 'f', label: 'Flag a problem (asks why)', keepFocus: true, run: () => setFlagging(true) },
      { keys: 'g', label: 'Mood guidelines and examples (the clip stays yours)', keepFocus: true, run: () => setGuide(true) },
      { keys: '?', label: 'Show these keys', keepFocus: true, run: () => setHelp(true) },
    ];
  }, [answer, none, question, skip, submit, tags, toggle, undoKey]);
  // Undo stays on the keyboard when the queue ran out after the last answer.
  useHotkeys(current ? bindings : [undoKey], { workArea });

  const undoToast = toast && (
    <div
      className="panel row"
      role="status"
      data-testid="undo-toast"
      style={{
        position: 'fixed',
        bottom: '1rem',
        left: '50%',
        transform: 'translateX(-50%)',
        zIndex: 20,
        padding: '0.5rem 0.75rem',
        gap: '0.75rem',
        boxShadow: '0 4px 16px var(--shadow)',
        flexWrap: 'nowrap',
        whiteSpace: 'nowrap',
      }}
    >
      <span>{toast.state === 'saving' ? 'Saving your answer…' : toast.state === 'undoing' ? 'Undoing…' : 'Answer saved'}</span>
      {toast.state !== 'undoing' && (
        <button
          type="button"
          className="secondary"
          data-testid="undo"
          onClick={() => {
            void undo();
            refocus();
          }}
        >
          Undo <kbd>U</kbd>
        </button>
      )}
    </div>
  );

  if (state === 'empty' && !current) {
    return (
      <div className="panel" data-testid="queue-empty">
        <h2>All caught up</h2>
        <p className="muted">
          There is nothing left for you to label right now. You answered {done} {done === 1 ? 'clip' : 'clips'} this session.
        </p>
        <p className="muted">
          New clips arrive when an admin uploads or imports audio, and clips the crowd is unsure of come back for more answers:
          check again later, or reload this page.
        </p>
        {undoToast}
      </div>
    );
  }
  if (!current) {
    return (
      <div className="panel" data-testid="queue-loading">
        {state === 'error' ? <p className="error">{message}</p> : <p className="muted">Finding the most useful clip for you…</p>}
        {undoToast}
      </div>
    );
  }

  return (
    <div className="stack work-area" ref={workArea} tabIndex={-1} data-testid="work-area">
      <section className="panel stack" data-testid="clip" data-clip-id={current.clip.id}>
        <div className="row" style={{ justifyContent: 'space-between' }}>
          <div style={{ flex: '1 1 auto', minWidth: 0 }}>
            <h2 style={{ margin: 0 }} data-testid="clip-title">
              {current.clip.title}
            </h2>
            <span className="muted" style={{ overflowWrap: 'anywhere' }}>
              {current.clip.artist}
            </span>
          </div>
          <span className="stack" style={{ gap: 0, alignItems: 'flex-end' }}>
            <span className="muted" data-testid="done-count">
              {done} done this session
            </span>
            <ContributorStats answered={done} />
          </span>
        </div>
        <AudioPlayer
          control={player}
          key={current.lease.id}
          src={current.clip.audioUrl}
          startAt={current.clip.excerptStartS}
          gainDb={current.clip.playbackGainDb}
        />
        {current.question ? (
          <div className="stack">
            <p style={{ fontSize: '1.2em', margin: 0 }}>
              Is this clip <strong>{current.question.label}</strong>?
            </p>
            <div className="row">
              <button type="button" onClick={() => answer(true)}>
                <kbd>Y</kbd> Yes
              </button>
              <button type="button" className="secondary" onClick={() => answer(false)}>
                <kbd>N</kbd> No
              </button>
            </div>
          </div>
        ) : (
          <>
            <TagChips
              label="Mood tags"
              attribute="tag"
              numberKeys
              tags={current.taxonomy.tags}
              selected={selected}
              onToggle={(key) => {
                toggle(key);
                refocus();
              }}
            />
            <div className="row">
              <button type="button" onClick={submit} disabled={selected.length === 0} data-testid="submit">
                Submit <kbd>Enter</kbd>
              </button>
              <button type="button" className="secondary" onClick={none} data-testid="none-of-these">
                None of these <kbd>0</kbd>
              </button>
              <button type="button" className="secondary" onClick={skip}>
                Skip <kbd>S</kbd>
              </button>
              <button type="button" className="secondary" onClick={() => setFlagging(true)} data-testid="flag">
                Flag a problem <kbd>F</kbd>
              </button>
            </div>
          </>
        )}
        {hint && (
          <p className="error" role="status" data-testid="pick-hint">
            {hint}
          </p>
        )}
        {message && (
          <p className="error" role="status">
            {message}
          </p>
        )}
      </section>
      {/* The next clip's audio loads while this one plays (an <audio preload>, not <link rel=preload>: Chromium does not accept as=audio there). */}
      {items[1] && <audio preload="auto" src={items[1].clip.audioUrl} data-testid="preloaded-audio" hidden />}
      <KeyHints
        touchHint="Tap every mood that fits, then Submit; Undo shows for a few seconds after each answer."
        bindings={bindings}
        open={help}
        onOpen={() => setHelp(true)}
        onClose={() => {
          setHelp(false);
          refocus();
        }}
      >
        <kbd>1</kbd>–<kbd>9</kbd> toggle moods · <kbd>Enter</kbd> submit · <kbd>0</kbd> none · <kbd>S</kbd> skip · <kbd>U</kbd>{' '}
        undo · <kbd>F</kbd> flag · <kbd>Space</kbd> play/pause ·{' '}
        <button type="button" className="secondary small" onClick={() => setGuide(true)} data-testid="guidelines-button">
          <kbd>G</kbd> Guidelines
        </button>
      </KeyHints>
      <GuidelinesDialog
        open={guide}
        onClose={() => {
          setGuide(false);
          refocus();
        }}
      />
      {undoToast}
      <FlagDialog
        open={flagging}
        onCancel={() => {
          setFlagging(false);
          refocus();
        }}
        onFlag={flag}
      />
    </div>
  );
}
