'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, apiFetch } from '@/lib/client/api';
import { ProjectAnswerResultSchema, ProjectTaskSchema, type ProjectAnswerInput, type ProjectTask } from '@/lib/projects/schemas';

/** How many questions the screen holds: the one on screen plus the preloaded next one. */
const HELD = 2;

/** A held question whose lease ends within this margin is not shown: the answer would come back expired. */
const EXPIRY_MARGIN_MS = 5_000;

/** The contract's cap on listening time (a tab left open overnight is not a longer listen). */
const MAX_LISTENED_MS = 86_400_000;

/** What an answer says, apart from the lease, key and listening time the queue adds. */
export type AnswerFields = { valence: number; arousal: number } | { choice: 'a' | 'b' | 'same' } | { skip: true };

export type QueueState = 'loading' | 'ready' | 'empty' | 'error';

/** The clips a task plays: the next fetch excludes them so the preloaded question is a different one. */
export function taskClipIds(task: ProjectTask): string[] {
  return task.type === 'pairwise' ? [task.a.id, task.b.id] : [task.clip.id];
}

export function taskTitle(task: ProjectTask): string {
  return task.type === 'pairwise' ? `“${task.a.title}” and “${task.b.title}”` : `“${task.clip.title}”`;
}

/**
 * A key for one answer, made once and sent with every retry of it, so the server stores it once.
 * crypto.getRandomValues works on plain-http intranet hosts too, where randomUUID does not exist.
 */
function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `pa-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function live(task: ProjectTask, now = Date.now()): boolean {
  return Date.parse(task.lease.expiresAt) - now > EXPIRY_MARGIN_MS;
}

/**
 * The question queue of one valence–arousal or pairwise project (the tags project has /label):
 * the question on screen and the next one leased behind it, so an answer moves on at once while it
 * is sent in the background. Errors of the answers contract become a short line on screen: an
 * expired lease or an already-answered question moves on to a fresh one, nothing is retried in a loop.
 */
export function useProjectQueue(slug: string) {
  const base = `/api/projects/${encodeURIComponent(slug)}`;
  const [items, setItems] = useState<ProjectTask[]>([]);
  const [state, setState] = useState<QueueState>('loading');
  const [message, setMessage] = useState<string | null>(null);
  /** Answers stored this session (skips do not count). */
  const [done, setDone] = useState(0);
  const itemsRef = useRef<ProjectTask[]>([]);
  const fetching = useRef(false);
  const again = useRef(false);
  /**
   * Clips of answers still on their way: until the server has the answer, their lease is still
   * this person's and the next fetch could hand the same question back.
   */
  const sending = useRef(new Map<string, number>());
  const shownAt = useRef(Date.now());

  const hold = useCallback((next: ProjectTask[]) => {
    itemsRef.current = next;
    setItems(next);
  }, []);

  const topUp = useCallback(async () => {
    // A call while a fetch runs is not dropped: the running one goes round once more when it ends,
    // with the exclusions of that moment.
    if (fetching.current) {
      again.current = true;
      return;
    }
    fetching.current = true;
    try {
      do {
        again.current = false;
        while (itemsRef.current.length < HELD) {
          const exclude = [...new Set([...itemsRef.current.flatMap(taskClipIds), ...sending.current.keys()])].join(',');
          // 204 (no body) when nothing is left for this person: an ordinary answer, not an error.
          const body = await apiFetch<unknown>(`${base}/next${exclude ? `?exclude=${exclude}` : ''}`);
          if (body === undefined) {
            // With answers still on their way their clips were excluded: the fetch after they land decides.
            if (itemsRef.current.length === 0 && sending.current.size === 0) setState('empty');
            break;
          }
          const task = ProjectTaskSchema.parse(body);
          if (itemsRef.current.some((t) => t.lease.id === task.lease.id)) break;
          hold([...itemsRef.current, task]);
          setState('ready');
        }
      } while (again.current);
    } catch (err) {
      setMessage(`Could not fetch the next question: ${err instanceof Error ? err.message : String(err)}`);
      if (itemsRef.current.length === 0) setState('error');
    } finally {
      fetching.current = false;
    }
  }, [base, hold]);

  useEffect(() => {
    void topUp();
  }, [topUp]);

  const current = items[0];
  useEffect(() => {
    shownAt.current = Date.now();
  }, [current?.lease.id]);

  /** Sends one answer, retrying the same key on a network failure or a 5xx; a refusal becomes a line on screen. */
  const deliver = useCallback(
    async (input: ProjectAnswerInput, title: string) => {
      for (let attempt = 0; ; attempt++) {
        try {
          const result = ProjectAnswerResultSchema.parse(
            await apiFetch<unknown>(`${base}/answers`, { method: 'POST', body: JSON.stringify(input) }),
          );
          // A replay means an earlier try of this same answer was stored but its reply was lost: it counts once, here.
          if (!result.skipped) setDone((n) => n + 1);
          return;
        } catch (err) {
          const retryable = !(err instanceof ApiError) || err.status >= 500;
          if (retryable && attempt < 4) {
            await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
            continue;
          }
          if (err instanceof ApiError && err.code === 'LEASE_EXPIRED') {
            setMessage(`Your time on ${title} ran out before the answer arrived, so it was not kept. Here is a fresh question.`);
          } else if (err instanceof ApiError && err.code === 'DUPLICATE') {
            setMessage(`You had already answered ${title}; moved on.`);
          } else {
            setMessage(`Your answer on ${title} was not saved: ${err instanceof Error ? err.message : String(err)}`);
          }
          return;
        }
      }
    },
    [base],
  );

  const send = useCallback(
    async (input: ProjectAnswerInput, task: ProjectTask) => {
      const title = taskTitle(task);
      const clips = taskClipIds(task);
      for (const id of clips) sending.current.set(id, (sending.current.get(id) ?? 0) + 1);
      try {
        await deliver(input, title);
      } finally {
        for (const id of clips) {
          const left = (sending.current.get(id) ?? 1) - 1;
          if (left > 0) sending.current.set(id, left);
          else sending.current.delete(id);
        }
        // Its clips may be asked again now (another pair with one of them): fill up what the exclusion left empty.
        if (itemsRef.current.length < HELD) void topUp();
      }
    },
    [deliver, topUp],
  );

  /** Answers the question on screen and moves on to the next one at once; the answer is sent behind it. */
  const answer = useCallback(
    (fields: AnswerFields) => {
      const task = itemsRef.current[0];
      if (!task) return;
      const input = { leaseId: task.lease.id, idempotencyKey: newIdempotencyKey(), listenedMs: Math.min(MAX_LISTENED_MS, Date.now() - shownAt.current), ...fields };
      setMessage(null);
      // A preloaded question whose lease ran out while this one was on screen would only come back expired.
      hold(itemsRef.current.slice(1).filter((t) => live(t)));
      if (itemsRef.current.length === 0) setState('loading');
      void send(input, task);
      void topUp();
    },
    [hold, send, topUp],
  );

  const retry = useCallback(() => {
    setMessage(null);
    setState('loading');
    void topUp();
  }, [topUp]);

  return { current, next: items[1], state, message, done, answer, retry };
}
