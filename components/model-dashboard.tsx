'use client';

import { useRouter } from 'next/navigation';
import { useMemo, useState, type CSSProperties } from 'react';
import { useMutation } from '@tanstack/react-query';
import { apiFetch } from '@/lib/client/api';
import type { CurveView, EmbeddingVersionView, ModelView } from '@/lib/model/schemas';
import { GroupedBars, Heatmap, LineChart, PALETTE, ReliabilityDiagram, type LineSeries, type ReliabilityBinView } from './charts';
import { TableRegion } from './table-view';

/**
 * What the models page passes in (lib/model/service `modelsOverview`, serialised): the types are
 * inferred from the zod schemas in lib/model/schemas.ts, not retyped here.
 */
export type { CurveView, EmbeddingVersionView, ModelView };

const METRICS = [
  { key: 'micro_f1', label: 'micro-F1' },
  { key: 'macro_f1', label: 'macro-F1' },
  { key: 'hamming_loss', label: 'Hamming loss' },
  { key: 'subset_accuracy', label: 'subset accuracy' },
] as const;

const ACTIVE_STYLE = { color: 'var(--good)', borderColor: 'var(--good)' } as const;
const STATUS_STYLE: Partial<Record<ModelView['status'], CSSProperties>> = {
  active: ACTIVE_STYLE,
  training: { color: 'var(--warn)', borderColor: 'var(--warn)' },
  failed: { color: 'var(--bad)', borderColor: 'var(--bad)' },
};

const pct = (v: number | undefined) => (v === undefined || v === null || Number.isNaN(v) ? '—' : v.toFixed(3));

export function ModelDashboard(props: {
  models: ModelView[];
  curves: CurveView[];
  embeddingVersions: EmbeddingVersionView[];
  rollback: { from: number; to: number } | null;
  /** Given exactly when there is no model yet: settled clips so far, about how many a first model needs, why the last retrain was refused. */
  firstModel?: { settled: number; needed: number; refusal: string | null };
}) {
  const router = useRouter();
  const active = props.models.find((m) => m.status === 'active');
  const evaluated = props.models.filter((m) => m.metrics.heldOut);
  const [selectedId, setSelectedId] = useState<number | null>(active?.id ?? evaluated[0]?.id ?? null);
  const [metric, setMetric] = useState<(typeof METRICS)[number]['key']>('macro_f1');
  const selected = props.models.find((m) => m.id === selectedId) ?? null;
  const [message, setMessage] = useState<string | null>(null);

  const promote = useMutation({
    mutationFn: (id: number) =>
      apiFetch<{ promoted: number; replaced: number | null }>(`/api/models/${id}/promote`, { method: 'POST', body: '{}' }),
    onSuccess: (r) => {
      setMessage(
        `Model #${r.promoted} is active${r.replaced ? ` (replaced #${r.replaced})` : ''}; the catalog is being rescored.`,
      );
      router.refresh();
    },
  });
  const rollback = useMutation({
    mutationFn: () => apiFetch<{ active: number; retired: number }>('/api/models/rollback', { method: 'POST', body: '{}' }),
    onSuccess: (r) => {
      setMessage(`Rolled back: model #${r.active} is active again, #${r.retired} retired; the catalog is being rescored.`);
      router.refresh();
    },
  });

  const curveSeries: LineSeries[] = useMemo(
    () =>
      props.curves.map((c, k) => ({
        name: `${c.kind === 'real' ? 'real' : 'simulated'} · ${c.name}`,
        dashed: c.kind === 'simulated',
        color: PALETTE[k % PALETTE.length],
        points: c.points
          .filter((p) => Number.isFinite(p.labels_used) && Number.isFinite(p[metric]))
          .map((p) => ({ x: p.labels_used, y: p[metric], label: p.model_id ? `model #${p.model_id}` : undefined })),
      })),
    [props.curves, metric],
  );

  const history = evaluated
    .filter((m) => m.status !== 'failed')
    .slice()
    .sort((a, b) => a.id - b.id);

  return (
    <div className="stack">
      <section className="panel stack" data-testid="model-registry">
        <div className="row" style={{ justifyContent: 'space-between' }}>
          <h2 id="model-versions-heading" style={{ margin: 0 }}>
            Model versions
          </h2>
          {props.rollback && (
            <button
              type="button"
              className="secondary"
              data-testid="rollback"
              disabled={rollback.isPending}
              onClick={() => rollback.mutate()}
            >
              Roll back to model #{props.rollback.to}
            </button>
          )}
        </div>
        {message && <p data-testid="model-message">{message}</p>}
        {(promote.error || rollback.error) && <p className="error">{(promote.error ?? rollback.error)?.message}</p>}
        {props.firstModel ? (
          <div data-testid="no-model">
            <p>
              <strong>No model yet.</strong>{' '}
              {props.firstModel.settled >= props.firstModel.needed
                ? `${props.firstModel.settled} clips are settled, about enough for a first model: press "Retrain now" above.`
                : `${props.firstModel.needed - props.firstModel.settled} more settled clips until the first model (${props.firstModel.settled} of about ${props.firstModel.needed}: 20 to train on and 5 held out to test it). Clips settle as contributors label them on /label and experts settle disputes on /review.`}
            </p>
            {props.firstModel.refusal && <p className="muted">The last retrain was refused: {props.firstModel.refusal}.</p>}
            <p className="muted">Until the first model, the queue ranks clips by cold-start diversity over their features.</p>
          </div>
        ) : (
          <TableRegion labelledBy="model-versions-heading">
            <table>
              <thead>
                <tr>
                  <th>#</th>
                  <th>Kind</th>
                  <th>Status</th>
                  <th>Trained on</th>
                  <th style={{ width: '22%' }}>Macro-F1 (held-out)</th>
                  <th>Micro-F1</th>
                  <th>mAP</th>
                  <th>ECE</th>
                  <th>Hamming</th>
                  <th>Created</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {props.models.map((m) => {
                  const h = m.metrics.heldOut;
                  return (
                    <tr
                      key={m.id}
                      data-model-id={m.id}
                      data-status={m.status}
                      aria-selected={m.id === selectedId}
                      style={m.id === selectedId ? { background: 'var(--selected)' } : undefined}
                    >
                      <td>
                        <button
                          type="button"
                          className="secondary"
                          onClick={() => setSelectedId(m.id)}
                          disabled={!h}
                          title="Show its charts"
                        >
                          {m.id}
                        </button>
                      </td>
                      <td>{m.kind}</td>
                      <td>
                        <span
                          className="badge"
                          style={STATUS_STYLE[m.status]}
                          title={m.error ?? m.metrics.comparison?.reason ?? ''}
                        >
                          {m.status}
                        </span>
                      </td>
                      <td>
                        {m.trainSize.toLocaleString('en')} clips <span className="muted">· {m.trigger}</span>
                      </td>
                      <td>
                        {h ? (
                          <div className="row" style={{ gap: '0.4rem', flexWrap: 'nowrap' }}>
                            <div className="progress" style={{ flex: 1 }} title={`macro-F1 ${h.macroF1.toFixed(3)}`}>
                              <div
                                style={{
                                  width: `${Math.round(h.macroF1 * 100)}%`,
                                  background: m.status === 'active' ? 'var(--good)' : undefined,
                                }}
                              />
                            </div>
                            <span>{h.macroF1.toFixed(3)}</span>
                          </div>
                        ) : (
                          <span className="muted">{m.status === 'failed' ? (m.error ?? 'failed').slice(0, 80) : '—'}</span>
                        )}
                      </td>
                      <td>{pct(h?.microF1)}</td>
                      <td>{pct(h?.meanAveragePrecision)}</td>
                      <td>{pct(h?.ece)}</td>
                      <td>{pct(h?.hammingLoss)}</td>
                      <td className="muted">{new Date(m.createdAt).toLocaleString()}</td>
                      <td>
                        <div className="row" style={{ flexWrap: 'nowrap' }}>
                          {(m.status === 'ready' || m.status === 'retired') && (
                            <button
                              type="button"
                              data-testid={`promote-${m.id}`}
                              disabled={promote.isPending}
                              onClick={() => promote.mutate(m.id)}
                            >
                              Promote
                            </button>
                          )}
                          {m.onnxBytes ? (
                            <a
                              className="button secondary"
                              href={`/api/models/${m.id}/onnx`}
                              download
                              title={`sha256 ${m.onnxSha256}`}
                            >
                              ONNX
                            </a>
                          ) : null}
                        </div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </TableRegion>
        )}
        {history.length > 1 && (
          <LineChart
            title="Held-out macro- and micro-F1 by model version"
            xLabel="model #"
            yLabel="F1"
            yDomain={[0, 1]}
            xFromZero={false}
            height={160}
            series={[
              {
                name: 'macro-F1',
                points: history.map((m) => ({ x: m.id, y: m.metrics.heldOut!.macroF1, label: `${m.kind}, ${m.status}` })),
              },
              {
                name: 'micro-F1',
                points: history.map((m) => ({ x: m.id, y: m.metrics.heldOut!.microF1, label: `${m.kind}, ${m.status}` })),
              },
            ]}
          />
        )}
      </section>

      <section className="panel stack" data-testid="learning-curves">
        <div className="row" style={{ justifyContent: 'space-between' }}>
          <h2 style={{ margin: 0 }}>Learning curves</h2>
          <label className="row">
            metric
            <select value={metric} onChange={(e) => setMetric(e.target.value as typeof metric)}>
              {METRICS.map((m) => (
                <option key={m.key} value={m.key}>
                  {m.label}
                </option>
              ))}
            </select>
          </label>
        </div>
        <p className="muted" style={{ margin: 0 }}>
          Solid: real retrains (labels used → held-out score of the registered candidate). Dashed:{' '}
          <code>chorus simulate --save</code> runs.
        </p>
        {curveSeries.length ? (
          <LineChart
            title={`Learning curves (${metric})`}
            xLabel="labels used"
            yLabel={METRICS.find((m) => m.key === metric)!.label}
            xFromZero
            series={curveSeries}
            testId="learning-curve-chart"
          />
        ) : (
          <p className="muted">
            No curves yet: each retrain adds a point (press &quot;Retrain now&quot; above); <code>chorus simulate --save</code>{' '}
            adds a simulated curve.
          </p>
        )}
      </section>

      {selected?.metrics.heldOut && <ModelDetail model={selected} active={active ?? null} />}

      {props.embeddingVersions.length > 0 && (
        <section className="panel stack">
          <h2 style={{ margin: 0 }}>Embeddings pushed to the recommender</h2>
          <p className="muted" style={{ margin: 0 }}>
            Built while invisible, then switched in one transaction; the newest five are kept.
          </p>
          <div className="row">
            {props.embeddingVersions.map((v) => (
              <span
                key={v.id}
                className="badge"
                style={v.status === 'active' ? ACTIVE_STYLE : undefined}
                title={v.activatedAt ? `activated ${new Date(v.activatedAt).toLocaleString()}` : v.status}
              >
                v{v.id} · model #{v.modelId ?? '—'} · {v.dim}-d · {v.count.toLocaleString('en')} clips · {v.status}
              </span>
            ))}
          </div>
        </section>
      )}
    </div>
  );
}

function ModelDetail({ model, active }: { model: ModelView; active: ModelView | null }) {
  const h = model.metrics.heldOut!;
  const c = model.metrics.comparison;
  const confusion = model.metrics.confusion;
  const epochs = model.metrics.training?.epochs ?? [];
  const compareBins = active && active.id !== model.id ? active.metrics.heldOut?.reliability : undefined;
  return (
    <section className="panel stack" data-testid="model-detail">
      <h2 style={{ margin: 0 }}>
        Model #{model.id}{' '}
        <span className="muted">
          ({model.kind}, {model.status})
        </span>
      </h2>
      <p className="muted" style={{ margin: 0 }}>
        Held-out: {h.n} settled clips ({model.metrics.split?.source ?? 'hash'} split {model.metrics.split?.testHash}); trained on{' '}
        {model.trainSize} clips
        {model.metrics.training
          ? ` (${model.metrics.training.settledClips} settled, ${model.metrics.training.openClips} open at half weight)`
          : ''}
        ; features {model.featureVersion}, taxonomy v{model.taxonomyVersion}.
        {c?.candidate && (
          <>
            {' '}
            Against the then-active model{c.activeModelId ? ` #${c.activeModelId}` : ''}
            {c.activeOnSameSplit ? ` (macro-F1 ${c.activeOnSameSplit.macroF1.toFixed(3)} on the same clips)` : ''}:{' '}
            <strong>{c.better ? 'better' : 'not better'}</strong> — {c.reason}.
          </>
        )}
      </p>
      <div className="row" style={{ alignItems: 'flex-start', gap: '1.5rem' }}>
        <div style={{ flex: '1 1 420px' }}>
          <h3 style={{ margin: '0 0 0.3rem' }}>Per tag</h3>
          <GroupedBars
            title={`Per-tag precision, recall, F1 and average precision of model #${model.id}`}
            categories={h.perTag.map((p) => `${p.tag} (${p.support})`)}
            measures={[
              { name: 'precision', values: h.perTag.map((p) => p.precision) },
              { name: 'recall', values: h.perTag.map((p) => p.recall) },
              { name: 'F1', values: h.perTag.map((p) => p.f1) },
              { name: 'AP', values: h.perTag.map((p) => p.averagePrecision) },
            ]}
            testId="per-tag-chart"
          />
        </div>
        <div style={{ flex: '0 1 320px' }}>
          <h3 style={{ margin: '0 0 0.3rem' }}>Calibration</h3>
          <ReliabilityDiagram
            title={`Reliability diagram of model #${model.id} (ECE ${h.ece.toFixed(3)})`}
            bins={h.reliability}
            ece={h.ece}
            compare={compareBins ? { name: `active #${active!.id}`, bins: compareBins } : undefined}
            testId="calibration-chart"
          />
          <p className="muted" style={{ margin: 0 }}>
            ECE {h.ece.toFixed(3)}
            {compareBins ? ` · dashed: active model #${active!.id}` : ''}
          </p>
        </div>
      </div>
      {confusion && (
        <div>
          <h3 style={{ margin: '0 0 0.3rem' }}>Tag confusion</h3>
          <p className="muted" style={{ margin: 0 }}>
            Held-out clips with true tag (row) predicted with tag (column); the diagonal is hits, red off-diagonal cells are moods
            the model mixes up.
          </p>
          <Heatmap
            title={`Tag confusion of model #${model.id}`}
            rows={confusion.tags}
            columns={confusion.tags}
            values={confusion.matrix}
            rowTotals={confusion.support}
            rowLabel="true tag"
            columnLabel="predicted tag"
            testId="confusion-chart"
          />
        </div>
      )}
      {epochs.length > 1 && (
        <div>
          <h3 style={{ margin: '0 0 0.3rem' }}>Training</h3>
          <LineChart
            title={`Loss per epoch of model #${model.id}`}
            xLabel="epoch"
            yLabel="weighted log loss"
            xFromZero={false}
            height={160}
            series={[
              { name: 'train', points: epochs.map((e) => ({ x: e.epoch, y: e.trainLoss })) },
              {
                name: 'validation',
                points: epochs
                  .filter((e) => e.validationLoss !== null && Number.isFinite(e.validationLoss))
                  .map((e) => ({ x: e.epoch, y: e.validationLoss as number })),
              },
            ]}
          />
        </div>
      )}
    </section>
  );
}
