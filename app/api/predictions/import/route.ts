import { getDb } from '@/db';
import { requestRescore } from '@/lib/active/jobs';
import { access } from '@/lib/http/access';
import { parseBody, route } from '@/lib/http/route';
import { PredictionsImportInputSchema } from '@/lib/predictions/schemas';
import { importPredictions } from '@/lib/predictions/service';

export const dynamic = 'force-dynamic';

/**
 * Imports model predictions (pre-annotations): `{ format: 'csv'|'jsonl', content, source }`, all
 * rows or none (422 listing every bad row by line). Before a trained model, queues a rescore so
 * their uncertainty seeds the queue priorities. Audited.
 */
export const POST = route(access('/api/predictions/import', 'POST'), async ({ req, user }) => {
  const input = await parseBody(req, PredictionsImportInputSchema);
  return importPredictions(await getDb(), user.id, input, { requestRescore: () => requestRescore('predictions-import') });
});
