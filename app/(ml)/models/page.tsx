import { getDb } from '@/db';
import { ModelDashboard, type CurveView, type EmbeddingVersionView, type ModelView } from '@/components/model-dashboard';
import { ModelRetrain } from '@/components/model-retrain';
import { ModelStrategy } from '@/components/model-strategy';
import { requirePageRole } from '@/lib/auth/server';
import { modelsOverview } from '@/lib/model/service';

export const dynamic = 'force-dynamic';

/** The ML engineer's view of the loop: model versions, learning curves, per-tag metrics, calibration, strategy, retraining. */
export default async function ModelsPage() {
  await requirePageRole(['engineer', 'admin'], '/models');
  const overview = await modelsOverview(await getDb());
  // Dates → strings, NaN → null: what crosses to the client components is plain JSON.
  const data = JSON.parse(JSON.stringify(overview)) as {
    models: ModelView[];
    curves: CurveView[];
    embeddingVersions: EmbeddingVersionView[];
    rollback: { from: number; to: number } | null;
  };
  return (
    <div className="stack">
      <ModelRetrain />
      <ModelDashboard
        models={data.models}
        curves={data.curves}
        embeddingVersions={data.embeddingVersions}
        rollback={data.rollback}
      />
      <ModelStrategy initial={overview.strategy} />
    </div>
  );
}
