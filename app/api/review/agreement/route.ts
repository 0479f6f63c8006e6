import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';
import { expertAgreement } from '@/lib/review/agreement';
import { decisionPairs } from '@/lib/review/repo';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';

export const GET = route(access('/api/review/agreement', 'GET'), async () => {
  const db = await getDb();
  const taxonomy = await getActiveTaxonomy(db);
  const result = expertAgreement(await decisionPairs(db), taxonomy.tags.map((t) => t.key));
  // NaN (no pairs yet) is not JSON: send null instead.
  return JSON.parse(JSON.stringify(result, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
});
