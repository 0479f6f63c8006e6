'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { apiFetch } from '@/lib/client/api';
import { planExperiment } from '@/lib/experiments/ab';
import { signedPoints } from '@/lib/util/format';
import type { ExperimentArmSummary, ExperimentReport, ExperimentsOverview } from '@/lib/recommend/experiments';
import { DecimalField } from './decimal-field';
import { TableRegion } from './table-view';

/** Dates arrive as strings: what the JSON of /api/experiments holds. */
type Json<T> = {
  [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] extends object ? Json<T[K]> : T[K];
};
type Report = Json<ExperimentReport>;
type Overview = Omit<Json<ExperimentsOverview>, 'running' | 'recent'> & { running: Report | null; recent: Report[] };

const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)} %`);

function settingOf(setting: ExperimentArmSummary['setting']): string {
  return 'embeddingVersion' in setting
    ? `embedding version ${setting.embeddingVersion}`
    : `diversity λ ${setting.lambda}, ≤ ${setting.maxPerArtist} per artist`;
}

/** A plan's sample size, or why there is none yet (the form's numbers are typed freely). */
function planText(baseline: number, minDetectable: number, share: number): string {
  try {
    if (!(baseline + minDetectable < 1)) throw new RangeError('baseline + difference must stay below 100 %');
    const plan = planExperiment(baseline, minDetectable, share);
    return `${plan.sessionsPerArm.toLocaleString('en')} sessions per arm (${plan.totalSessions.toLocaleString('en')} new sessions in all) to detect ${signedPoints(minDetectable)} like rate at α 0.05, power 0.8`;
  } catch (err) {
    return `no estimate: ${err instanceof Error ? err.message : String(err)}`;
  }
}

function ResultLine({ report, testId }: { report: Report; testId?: string }) {
  return (
    <p style={{ margin: 0 }} data-testid={testId}>
      Like rate difference (treatment − control) {signedPoints(report.result.difference)} (always-valid 95 % interval{' '}
      {signedPoints(report.result.lower)} to {signedPoints(report.result.upper)}), p = {report.result.pValue.toFixed(3)}, after{' '}
      {report.result.n} of {report.plan.sessionsPerArm} planned sessions per arm. Verdict: <strong>{report.verdict}</strong>.
    </p>
  );
}

/**
 * A/B experiments of the recommender (issue 20, item 2): two embedding versions or two ranking
 * settings, the sample size shown while the plan is typed, the arms' KPIs and the like-rate
 * difference with its always-valid interval while it runs, stop; past results below.
 */
export function AbExperiments() {
  const overview = useQuery({
    queryKey: ['experiments'],
    queryFn: () => apiFetch<Overview>('/api/experiments'),
    refetchInterval: 10_000,
  });
  const [form, setForm] = useState({
    kind: 'ranking' as 'ranking' | 'embedding',
    controlVersion: '',
    treatmentVersion: '',
    controlLambda: '0.7',
    treatmentLambda: '0.4',
    share: '0.5',
    baseline: '',
    minDetectable: '0.05',
  });
  const versions = overview.data?.versions ?? [];
  const active = versions.find((v) => v.status === 'active');
  const controlVersion = form.controlVersion || (active ? String(active.id) : '');
  const treatmentVersion = form.treatmentVersion || String(versions.find((v) => String(v.id) !== controlVersion)?.id ?? '');
  const observed = overview.data?.baselineLikeRate ?? null;
  const baseline = form.baseline || (observed !== null && observed > 0 && observed < 0.9 ? observed.toFixed(3) : '0.2');
  const start = useMutation({
    mutationFn: () => {
      const arms =
        form.kind === 'embedding'
          ? { control: { embeddingVersion: Number(controlVersion) }, treatment: { embeddingVersion: Number(treatmentVersion) } }
          : { control: { lambda: Number(form.controlLambda) }, treatment: { lambda: Number(form.treatmentLambda) } };
      return apiFetch('/api/experiments', {
        method: 'POST',
        body: JSON.stringify({
          kind: form.kind,
          ...arms,
          share: Number(form.share),
          baseline: Number(baseline),
          minDetectable: Number(form.minDetectable),
        }),
      });
    },
    onSuccess: () => void overview.refetch(),
  });
  const stop = useMutation({
    mutationFn: (id: number) => apiFetch(`/api/experiments/${id}/stop`, { method: 'POST', body: '{}' }),
    onSuccess: () => void overview.refetch(),
  });
  const running = overview.data?.running ?? null;
  const error = overview.error ?? start.error ?? stop.error;
  const field = (key: keyof typeof form, label: string, value = form[key]) => (
    <DecimalField name={key} label={label} value={value} onChange={(v) => setForm({ ...form, [key]: v })} />
  );
  return (
    <section className="panel stack" data-testid="ab-experiments" data-ready={overview.isSuccess}>
      <h2 style={{ margin: 0 }}>A/B experiments</h2>
      {error ? <p className="error">{error instanceof Error ? error.message : String(error)}</p> : null}
      {running ? (
        <>
          <p style={{ margin: 0 }}>
            Experiment <strong>{running.experiment.id}</strong> ({running.experiment.kind}) splits new listener sessions{' '}
            {pct(1 - running.experiment.share)} / {pct(running.experiment.share)}.{' '}
            <button
              type="button"
              data-testid="experiment-stop"
              disabled={stop.isPending}
              onClick={() => stop.mutate(running.experiment.id)}
            >
              Stop
            </button>
          </p>
          <ArmsTable report={running} />
          <ResultLine report={running} testId="experiment-result" />
        </>
      ) : (
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            start.mutate();
          }}
        >
          {overview.data?.canaryRunning ? <p className="muted">A canary is running: stop it before an experiment.</p> : null}
          <div className="row">
            <label className="row" style={{ gap: '0.3rem' }}>
              compare
              <select
                name="kind"
                value={form.kind}
                onChange={(e) => setForm({ ...form, kind: e.target.value as 'ranking' | 'embedding' })}
              >
                <option value="ranking">two ranking settings (diversity λ)</option>
                <option value="embedding">two embedding versions</option>
              </select>
            </label>
            {form.kind === 'embedding' ? (
              (['controlVersion', 'treatmentVersion'] as const).map((key) => (
                <label key={key} className="row" style={{ gap: '0.3rem' }}>
                  {key === 'controlVersion' ? 'control' : 'treatment'}
                  <select
                    name={key}
                    value={key === 'controlVersion' ? controlVersion : treatmentVersion}
                    onChange={(e) => setForm({ ...form, [key]: e.target.value })}
                  >
                    {versions.map((v) => (
                      <option key={v.id} value={v.id}>
                        {v.id} ({v.status}, {v.source})
                      </option>
                    ))}
                  </select>
                </label>
              ))
            ) : (
              <>
                {field('controlLambda', 'control λ')}
                {field('treatmentLambda', 'treatment λ')}
              </>
            )}
          </div>
          <div className="row">
            {field('share', 'treatment share')}
            {field('baseline', 'baseline like rate', baseline)}
            {field('minDetectable', 'min. detectable difference')}
            <button type="submit" data-testid="experiment-start" disabled={start.isPending}>
              Start experiment
            </button>
          </div>
          <p style={{ margin: 0 }} data-testid="experiment-plan">
            Sample size: {planText(Number(baseline), Number(form.minDetectable), Number(form.share))}.
          </p>
          <p className="muted" style={{ margin: 0 }}>
            The test is sequential (mSPRT, always-valid interval): it may be read at any time, and stops being inconclusive once
            the interval excludes zero — usually before the planned count for a large effect, later for a small one.
          </p>
        </form>
      )}
      {overview.data && overview.data.recent.length > 0 ? (
        <TableRegion label="Recent experiments">
          <table data-testid="experiment-history">
            <thead>
              <tr>
                <th>experiment</th>
                <th>control vs treatment</th>
                <th>sessions</th>
                <th>difference (95 % interval)</th>
                <th>verdict</th>
              </tr>
            </thead>
            <tbody>
              {overview.data.recent.map((r) => (
                <tr key={r.experiment.id}>
                  <td>{r.experiment.id}</td>
                  <td>
                    {settingOf(r.control.setting)} vs {settingOf(r.treatment.setting)}
                  </td>
                  <td>
                    {r.control.sessions} / {r.treatment.sessions}
                  </td>
                  <td>
                    {signedPoints(r.result.difference)} ({signedPoints(r.result.lower)} to {signedPoints(r.result.upper)})
                  </td>
                  <td>{r.verdict}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableRegion>
      ) : null}
    </section>
  );
}

function ArmsTable({ report }: { report: Report }) {
  return (
    <TableRegion label="Arms of the running experiment">
      <table data-testid="experiment-arms">
        <thead>
          <tr>
            <th>arm</th>
            <th>setting</th>
            <th>sessions</th>
            <th>like rate</th>
            <th>skip rate</th>
            <th>tracks per session</th>
          </tr>
        </thead>
        <tbody>
          {[report.control, report.treatment].map((arm) => (
            <tr key={arm.arm}>
              <td>{arm.arm}</td>
              <td>{settingOf(arm.setting)}</td>
              <td>{arm.sessions}</td>
              <td>{pct(arm.likeRate)}</td>
              <td>{pct(arm.skipRate)}</td>
              <td>{arm.tracksPerSession === null ? '—' : arm.tracksPerSession.toFixed(1)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableRegion>
  );
}
