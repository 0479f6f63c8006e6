'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { apiFetch } from '@/lib/client/api';
import { ProjectSettingsFields, settingsConsistencyIssues, type ProjectSettings } from '@/lib/settings/schemas';

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
  { key: 'qualificationClips', label: 'Qualification: gold clips a new contributor answers first (0 = off)' },
  { key: 'qualificationThreshold', label: 'Qualification: share of mood choices right to pass (0–1)', step: 0.05 },
  { key: 'qualificationRetryHours', label: 'Qualification: hours before a failed contributor may retry', step: 0.5 },
  { key: 'leaseSeconds', label: 'Lease (seconds)' },
  { key: 'maxActiveLeases', label: 'Open leases per contributor' },
  { key: 'emEveryVotes', label: 'Full EM every … new votes' },
  { key: 'secondOpinionRate', label: 'Second-opinion rate for expert decisions (0–1)', step: 0.01 },
  { key: 'expertUncertaintyThreshold', label: 'Model uncertainty that sends a clip to experts (0–1)', step: 0.01 },
  { key: 'expertUncertainShare', label: 'Share of clips the model is least sure of that go to experts (0–1)', step: 0.01 },
  { key: 'feedbackRetentionDays', label: 'Keep listener feedback (days)' },
  { key: 'disputeAlpha', label: 'Agreement below which a split clip goes to experts early (−1 to 1; 0 = chance)', step: 0.05 },
  { key: 'spamMinListenMs', label: 'Spam check: an answer is too fast under (ms of listening)', step: 100 },
  { key: 'spamMinListenFraction', label: 'Spam check: … or under this share of a short clip (0–1)', step: 0.05 },
  { key: 'spamTooFastShare', label: 'Spam check: pause at this share of too-fast answers (0.05–1)', step: 0.05 },
  { key: 'spamTooFastWindow', label: 'Spam check: too-fast share over the latest … answers' },
  { key: 'spamSameAnswerShare', label: 'Spam check: pause when one answer is this share of all (0.5–1)', step: 0.01 },
  { key: 'spamMinAnswers', label: 'Spam check: no judgement before … answers' },
  { key: 'spamReliabilityFloor', label: 'Spam check: pause when reliability is surely below (0–1; 0.5 = guessing)', step: 0.01 },
  { key: 'spamGoldAccuracyFloor', label: 'Spam check: pause when gold accuracy is surely below (0–1)', step: 0.01 },
];

/** Each field's own rule (range, whole number) as the API would state it, by field. */
function fieldIssues(form: ProjectSettings): Map<string, string> {
  const parsed = ProjectSettingsFields.safeParse(form);
  const out = new Map<string, string>();
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0]);
      if (!out.has(key)) out.set(key, issue.message);
    }
  }
  return out;
}

/**
 * The admin's project settings (crowd, gold, leases, review, retention, disputes and spam checks; the query strategy is on
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
  const perField = fieldIssues(form);
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
              aria-invalid={perField.has(f.key) || issues.some((i) => i.path[0] === f.key) || undefined}
              aria-describedby={perField.has(f.key) ? `${f.key}-issue` : undefined}
              onChange={(e) => set(f.key, e.target.value === '' ? Number.NaN : Number(e.target.value))}
            />
            {perField.has(f.key) && (
              <span className="error" id={`${f.key}-issue`} data-testid={`settings-issue-${f.key}`}>
                {Number.isFinite(form[f.key]) ? perField.get(f.key) : `${f.key} needs a number`}
              </span>
            )}
          </label>
        ))}
        <label>
          <input
            type="checkbox"
            name="retainAudio"
            checked={form.retainAudio}
            onChange={(e) => set('retainAudio', e.target.checked)}
          />{' '}
          Keep raw audio after a clip is extracted and labelled
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
          <button type="submit" disabled={save.isPending || issues.length > 0 || perField.size > 0}>
            {save.isPending ? 'Saving…' : 'Save settings'}
          </button>
          {saved && <span className="muted">Saved.</span>}
        </div>
        <p className="muted" style={{ margin: 0 }}>
          Strategy {JSON.stringify(form.strategy)}, model {JSON.stringify(form.modelKind)} and priority weights are tuned on
          /models.
        </p>
      </form>
    </section>
  );
}
