import { getDb } from '@/db';
import { countSnapshotRows } from '@/lib/export/count';
import { SnapshotCountRequestSchema } from '@/lib/export/schemas';
import { access } from '@/lib/http/access';
import { parseBody, route } from '@/lib/http/route';

export const dynamic = 'force-dynamic';

/**
 * How many rows a snapshot with these filters would hold (body `{ filters }`, the filters of
 * POST /api/datasets), with the count after each filter and, when 0, which filter emptied it.
 */
export const POST = route(access('/api/datasets/count', 'POST'), async ({ req }) => {
  const input = await parseBody(req, SnapshotCountRequestSchema);
  return countSnapshotRows(await getDb(), input);
});
