'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { apiFetch } from '@/lib/client/api';
import type { StrategySettings } from '@/lib/model/schemas';

const STRATEGIES: { value: StrategySettings['strategy']; label: string }[] = [
  { value: 'hybrid', label: 'hybrid — blend of uncertainty, crowd disagreement, diversity, votes needed' },
  {
    value: 'auto',
    label: 'auto — learns which strategy improves the model most per label (bandit over random, uncertainty, margin, hybrid)',
  },
  { value: 'uncertainty', label: 'uncertainty — least confidence' },
  { value: 'margin', label: 'margin — closest to the decision threshold' },
  { value: 'entropy', label: 'entropy — mean per-tag entropy' },
  { value: 'disagreement', label: 'disagreement — where the crowd is split' },
  { value: 'random', label: 'random — the baseline' },
];

const WEIGHTS: { key: keyof StrategySettings['priorityWeights']; label: string }[] = [
  { key: 'uncertainty', label: 'model uncertainty' },
  { key: 'disagreement', label: 'crowd disagreement' },
  { key: 'diversity', label: 'diversity (unlike labelled clips)' },
  { key: 'votesNeeded', label: 'votes still needed' },
  { key: 'drift', label: 'drift (unlike the training data)' },
  { key: 'feedback', label: 'listeners skip or dislike it' },
];

/** The project's query strategy, blend weights, retraining and targeted-question settings. */
export function ModelStrategy({ initial }: { initial: StrategySettings }) {
  const router = useRouter();
  const [form, setForm] = useState<StrategySettings>(initial);
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: (body: StrategySettings) =>
      apiFetch<StrategySettings>('/api/models/strategy', { method: 'PATCH', body: JSON.stringify(body) }),
    onSuccess: (next) => {
      setForm(next);
      setSaved(true);
      router.refresh();
    },
  });
  const set = <K extends keyof StrategySettings>(key: K, value: StrategySettings[K]) => {
    setSaved(false);
    setForm((f) => ({ ...f, [key]: value }));
  };
  const total = WEIGHTS.reduce((s, w) => s + form.priorityWeights[w.key], 0) || 1;
  return (
    <section className="panel">
      <form
        className="stack"
        data-testid="strategy-form"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate(form);
        }}
      >
        <h2 style={{ margin: 0 }}>Query strategy</h2>
        <label className="stack" style={{ gap: '0.2rem' }}>
          Which clips the crowd sees first
          <select
            value={form.strategy}
            onChange={(e) => set('strategy', e.target.value as StrategySettings['strategy'])}
            name="strategy"
          >
            {STRATEGIES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <fieldset
          className="stack"
          disabled={form.strategy !== 'hybrid'}
          style={{ border: '1px solid var(--line)', borderRadius: 8 }}
        >
          <legend className="muted">Hybrid blend weights (normalised over the signals a clip has)</legend>
          {WEIGHTS.map((w) => (
            <label key={w.key} className="row" style={{ flexWrap: 'wrap' }}>
              <span style={{ flex: '1 1 12rem' }}>{w.label}</span>
              <input
                type="range"
                min={0}
                max={2}
                step={0.05}
                value={form.priorityWeights[w.key]}
                aria-label={`${w.label} weight`}
                onChange={(e) => set('priorityWeights', { ...form.priorityWeights, [w.key]: Number(e.target.value) })}
                style={{ flex: '1 1 8rem', minWidth: 0 }}
              />
              <span style={{ width: '7rem' }}>
                {form.priorityWeights[w.key].toFixed(2)}{' '}
                <span className="muted">({Math.round((100 * form.priorityWeights[w.key]) / total)} %)</span>
              </span>
            </label>
          ))}
        </fieldset>
        <div className="row">
          <label className="row">
            model
            <select value={form.modelKind} onChange={(e) => set('modelKind', e.target.value as StrategySettings['modelKind'])}>
              <option value="both">logistic + MLP (keep the better)</option>
              <option value="logistic">logistic regression</option>
              <option value="mlp">MLP (64-d mood embedding)</option>
            </select>
          </label>
          <label className="row">
            max epochs
            <input
              type="number"
              min={1}
              max={500}
              value={form.trainEpochs}
              onChange={(e) => set('trainEpochs', Number(e.target.value))}
              style={{ width: '5rem' }}
            />
          </label>
          <label className="row">
            retrain after
            <input
              type="number"
              min={1}
              value={form.retrainEveryLabels}
              onChange={(e) => set('retrainEveryLabels', Number(e.target.value))}
              style={{ width: '5rem' }}
            />
            new labels, and every
            <input
              type="number"
              min={0}
              step={1}
              value={form.retrainIntervalHours}
              onChange={(e) => set('retrainIntervalHours', Number(e.target.value))}
              style={{ width: '4.5rem' }}
            />
            h (0 = off)
          </label>
        </div>
        <div className="row">
          <label className="row">
            targeted yes/no questions on
            <input
              type="number"
              min={0}
              max={100}
              step={1}
              value={Math.round(form.targetedQuestionRate * 100)}
              onChange={(e) => set('targetedQuestionRate', Number(e.target.value) / 100)}
              style={{ width: '4.5rem' }}
            />
            % of eligible requests, when 1–2 tags have entropy ≥
            <input
              type="number"
              min={0}
              max={1}
              step={0.05}
              value={form.targetedUncertaintyThreshold}
              onChange={(e) => set('targetedUncertaintyThreshold', Number(e.target.value))}
              style={{ width: '4.5rem' }}
            />
          </label>
        </div>
        <div className="row">
          <button type="submit" disabled={save.isPending}>
            Save strategy
          </button>
          {saved && <span className="muted">Saved; the next rescore applies it to the queue.</span>}
          {save.error && <span className="error">{save.error.message}</span>}
        </div>
      </form>
    </section>
  );
}
