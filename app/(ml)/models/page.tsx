import { getDb } from '@/db';
import { AbExperiments } from '@/components/ab-experiments';
import { EmbeddingCanary } from '@/components/embedding-canary';
import { ExplorationBandit } from '@/components/exploration-bandit';
import { ListenKpis } from '@/components/listen-kpis';
import { TableRegion } from '@/components/table-view';
import { ModelDashboard } from '@/components/model-dashboard';
import type { ModelsOverviewView } from '@/lib/model/schemas';
import { ModelRetrain } from '@/components/model-retrain';
import { ModelStrategy } from '@/components/model-strategy';
import { requirePageRole } from '@/lib/auth/server';
import { modelsOverview } from '@/lib/active/service';
import { labelsSinceLastModel } from '@/lib/model/retrain-triggers';
import { MIN_TEST_ROWS, MIN_TRAIN_ROWS } from '@/lib/model/service';
import { HASH_TEST_PERCENT } from '@/lib/model/training-set';

export const dynamic = 'force-dynamic';

/** The ML engineer's view of the loop: model versions, learning curves, per-tag metrics, calibration, strategy, retraining. */
export default async function ModelsPage() {
  await requirePageRole(['engineer', 'admin'], '/models');
  const db = await getDb();
  const overview = await modelsOverview(db);
  // Before any model, say how far the first one is: a retrain needs MIN_TEST_ROWS settled clips
  // in the held-out share (HASH_TEST_PERCENT of clips) and MIN_TRAIN_ROWS to fit, so about this many settled.
  const firstModel =
    overview.models.length === 0
      ? await labelsSinceLastModel(db).then((l) => ({
          settled: l.labels,
          needed: Math.max(MIN_TRAIN_ROWS, Math.ceil((MIN_TEST_ROWS * 100) / HASH_TEST_PERCENT)),
          refusal: l.refusal,
        }))
      : undefined;
  // Dates → strings, NaN → null: what crosses to the client components is plain JSON.
  const data = JSON.parse(JSON.stringify(overview)) as ModelsOverviewView;
  return (
    <div className="stack">
      <ModelRetrain />
      <ModelDashboard
        models={data.models}
        curves={data.curves}
        embeddingVersions={data.embeddingVersions}
        rollback={data.rollback}
        firstModel={firstModel}
      />
      <ListenKpis />
      <EmbeddingCanary />
      <AbExperiments />
      <ExplorationBandit />
      <ModelStrategy initial={overview.strategy} />
      {overview.auto && (
        <section className="panel" data-testid="auto-strategy">
          <h2 id="auto-strategy-heading" style={{ marginTop: 0 }}>
            Adaptive strategy (auto)
          </h2>
          <p>
            {overview.auto.active ? 'In use. ' : 'Not in use (the project strategy is not auto); its last state: '}
            After {overview.auto.rounds} rewarded retrain round{overview.auto.rounds === 1 ? '' : 's'} it favours{' '}
            <strong>{overview.auto.favoured}</strong>
            {overview.auto.drawing ? (
              <>
                ; the current round of labels follows <strong>{overview.auto.drawing}</strong>
              </>
            ) : null}
            .
            {overview.auto.last ? (
              <>
                {' '}
                Last round: {overview.auto.last.strategy} changed held-out micro-F1 by {overview.auto.last.gain >= 0 ? '+' : ''}
                {overview.auto.last.gain.toFixed(3)} (reward {overview.auto.last.reward.toFixed(2)}).
              </>
            ) : null}
          </p>
          <TableRegion labelledBy="auto-strategy-heading">
            <table>
              <thead>
                <tr>
                  <th>strategy</th>
                  <th>probability of the next draw</th>
                  <th>rounds drawn</th>
                  <th>mean reward</th>
                </tr>
              </thead>
              <tbody>
                {overview.auto.experts.map((e) => (
                  <tr key={e.strategy}>
                    <td>{e.strategy}</td>
                    <td>{e.probability.toFixed(2)}</td>
                    <td>{e.pulls}</td>
                    <td>{e.meanReward === null ? '—' : e.meanReward.toFixed(2)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableRegion>
          <p className="muted">
            Each retrain round, one strategy is drawn with these probabilities and its batch is labelled; it is rewarded by how
            much the next model improved held-out micro-F1 (reward ½ + ½·gain / mean |gain|), EXP4.P-weighted (Active Learning by
            Learning, Hsu &amp; Lin 2015). Every strategy keeps at least a minimum share, so the choice can change.
          </p>
        </section>
      )}
    </div>
  );
}
