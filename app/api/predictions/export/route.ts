import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { parseQuery, route } from '@/lib/http/route';
import { PredictionsExportQuerySchema } from '@/lib/predictions/schemas';
import { exportPredictions } from '@/lib/predictions/service';

export const dynamic = 'force-dynamic';

/** The active model's per-tag probabilities (or `from=imported`) as CSV or JSONL, streamed; 404 without an active model. */
export const GET = route(access('/api/predictions/export', 'GET'), async ({ req }) => {
  const query = parseQuery(req, PredictionsExportQuerySchema);
  const exported = await exportPredictions(await getDb(), query);
  const encoder = new TextEncoder();
  const chunks = exported.chunks;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
  const name = exported.modelId === null ? 'imported' : `model-${exported.modelId}`;
  return new Response(body, {
    headers: {
      'content-type': query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="chorus-predictions-${name}.${query.format}"`,
      'cache-control': 'no-store',
    },
  });
});
