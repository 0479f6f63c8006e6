'use client';

import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { apiFetch } from '@/lib/client/api';
import { APPEAL_MAX, AppealSchema, type PauseView } from '@/lib/pause/schemas';

/** The paused contributor's appeal: a short text to the admins, validated with the API's own schema. */
export function AppealForm({ initial }: { initial: { appeal: string | null; appealedAt: string | null } }) {
  const [text, setText] = useState(initial.appeal ?? '');
  const [sent, setSent] = useState<{ appeal: string | null; appealedAt: string | null }>(initial);
  const [problem, setProblem] = useState<string | null>(null);
  const send = useMutation({
    mutationFn: (body: { text: string }) =>
      apiFetch<{ pause: PauseView }>('/api/me/pause/appeal', { method: 'POST', body: JSON.stringify(body) }),
    onSuccess: ({ pause }) => {
      setSent({ appeal: pause.appeal, appealedAt: pause.appealedAt });
      setProblem(null);
    },
    onError: (e) => setProblem(e.message),
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    const parsed = AppealSchema.safeParse({ text });
    if (!parsed.success) {
      setProblem(parsed.error.issues.map((i) => i.message).join('; '));
      return;
    }
    send.mutate(parsed.data);
  }

  return (
    <form className="stack" onSubmit={submit} data-testid="appeal-form" noValidate>
      <label className="stack" style={{ gap: 4 }}>
        <span>Think this is a mistake? Tell the admins (they see it next to the reason above).</span>
        <textarea
          name="appeal"
          data-testid="appeal-text"
          rows={4}
          maxLength={APPEAL_MAX}
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="e.g. I know these tracks well and recognise the mood in the first seconds."
          style={{ width: '100%', font: 'inherit' }}
        />
        <small className="muted">
          {text.trim().length} / {APPEAL_MAX} characters
        </small>
      </label>
      <div className="row">
        <button type="submit" data-testid="appeal-submit" disabled={send.isPending}>
          {send.isPending ? 'Sending…' : sent.appeal ? 'Update appeal' : 'Send appeal'}
        </button>
        <span role="status" aria-live="polite" data-testid="appeal-status" className="muted">
          {sent.appealedAt ? `Appeal sent ${new Date(sent.appealedAt).toLocaleString()}. An admin will read it.` : ''}
        </span>
      </div>
      {problem && (
        <p className="error" role="alert" data-testid="appeal-error">
          {problem}
        </p>
      )}
    </form>
  );
}
