import { getDb } from '@/db';
import { goldCoverage, listGoldClips } from '@/lib/gold/repo';
import { GoldAnswerInputSchema, GoldListQuerySchema } from '@/lib/gold/schemas';
import { markGold } from '@/lib/gold/service';
import { access } from '@/lib/http/access';
import { parseBody, parseQuery, route } from '@/lib/http/route';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';

export const dynamic = 'force-dynamic';

/** Gold clips with their answers and use, and the coverage figures (experts and admins only). */
export const GET = route(access('/api/gold', 'GET'), async ({ req }) => {
  const page = parseQuery(req, GoldListQuerySchema);
  const db = await getDb();
  const taxonomy = await getActiveTaxonomy(db);
  const [list, coverage] = await Promise.all([listGoldClips(db, page), goldCoverage(db, taxonomy.version)]);
  return { ...list, coverage };
});

/** Marks a clip gold with its answer, or replaces the answer: 201 when written, 200 when it was already exactly that. */
export const POST = route(access('/api/gold', 'POST'), async ({ req, user }) => {
  const input = await parseBody(req, GoldAnswerInputSchema);
  const result = await markGold(await getDb(), user.id, input);
  return Response.json(result, { status: result.changed ? 201 : 200 });
});
