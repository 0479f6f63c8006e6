'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { apiFetch } from '@/lib/client/api';
import { settingsConsistencyIssues, type ProjectSettings } from '@/lib/settings/schemas';

type NumericKey = {
  [K in keyof ProjectSettings]: ProjectSettings[K] extends number ? K : never;
}[keyof ProjectSettings];

const FIELDS: { key: NumericKey; label: string; step?: number }[] = [
  { key: 'overlap', label: 'Votes wanted per clip (overlap)' },
  { key: 'minVotes', label: 'Fewest votes before a decision (minVotes)' },
  { key: 'maxVotes', label: 'Most votes a clip can get (maxVotes)' },
  { key: 'consensusThreshold', label: 'Consensus threshold', step: 0.001 },
  { key: 'goldRate', label: 'Gold rate (0–1)', step: 0.01 },
  { key: 'newContributorVotes', label: 'Votes a contributor counts as new' },
  { key: 'newContributorGoldRate', label: 'Gold rate for new contributors (0–1)', step: 0.01 },
  { key: 'leaseSeconds', label: 'Lease (seconds)' },
  { key: 'maxActiveLeases', label: 'Open leases per contributor' },
  { key: 'emEveryVotes', label: 'Full EM every … new votes' },
  { key: 'secondOpinionRate', label: 'Second-opinion rate for expert decisions (0–1)', step: 0.01 },
  { key: 'expertUncertaintyThreshold', label: 'Model uncertainty that sends a clip to experts (0–1)', step: 0.01 },
  { key: 'expertUncertainShare', label: 'Share of clips the model is least sure of that go to experts (0–1)', step: 0.01 },
  { key: 'feedbackRetentionDays', label: 'Keep listener feedback (days)' },
];

/**
 * The admin's project settings (crowd, gold, leases, review, retention; the query strategy is on
 * /models). The same cross-field rules as the API (`settingsConsistencyIssues`) are shown while
 * typing, and whatever the API still refuses (400) is shown as its message.
 */
export function SettingsForm({ initial }: { initial: ProjectSettings }) {
  const router = useRouter();
  const [form, setForm] = useState<ProjectSettings>(initial);
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: (body: Partial<ProjectSettings>) =>
      apiFetch<ProjectSettings>('/api/admin/settings', { method: 'PATCH', body: JSON.stringify(body) }),
    onSuccess: (next) => {
      setForm(next);
      setSaved(true);
      router.refresh();
    },
  });
  const issues = settingsConsistencyIssues(form);
  const set = <K extends keyof ProjectSettings>(key: K, value: ProjectSettings[K]) => {
    setSaved(false);
    save.reset();
    setForm((f) => ({ ...f, [key]: value }));
  };
  return (
    <section className="panel">
      <form
        className="stack"
        data-testid="settings-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const body: Partial<ProjectSettings> = { retainAudio: form.retainAudio };
          for (const f of FIELDS) (body as Record<string, unknown>)[f.key] = form[f.key];
          save.mutate(body);
        }}
      >
        <h2 style={{ margin: 0 }}>Project settings</h2>
        {FIELDS.map((f) => (
          <label key={f.key} className="stack" style={{ gap: '0.2rem' }}>
            {f.label}
            <input
              type="number"
              name={f.key}
              step={f.step ?? 1}
              value={Number.isFinite(form[f.key]) ? form[f.key] : ''}
              aria-invalid={issues.some((i) => i.path[0] === f.key) || undefined}
              onChange={(e) => set(f.key, e.target.value === '' ? Number.NaN : Number(e.target.value))}
            />
          </label>
        ))}
        <label>
          <input type="checkbox" name="retainAudio" checked={form.retainAudio} onChange={(e) => set('retainAudio', e.target.checked)} /> Keep raw
          audio after a clip is extracted and labelled
        </label>
        {issues.length > 0 && (
          <ul className="error" role="alert" data-testid="settings-issues">
            {issues.map((i) => (
              <li key={i.message}>{i.message}</li>
            ))}
          </ul>
        )}
        {save.error && (
          <p className="error" role="alert" data-testid="settings-error">
            {save.error.message}
          </p>
        )}
        <div className="row">
          <button type="submit" disabled={save.isPending || issues.length > 0}>
            {save.isPending ? 'Saving…' : 'Save settings'}
          </button>
          {saved && <span className="muted">Saved.</span>}
        </div>
        <p className="muted" style={{ margin: 0 }}>
          Strategy {JSON.stringify(form.strategy)}, model {JSON.stringify(form.modelKind)} and priority weights are tuned on /models.
        </p>
      </form>
    </section>
  );
}
