import { z } from 'zod';
import { getDb } from '@/db';
import { LABEL_STATES } from '@/db/schema';
import { listClipLabels } from '@/lib/catalog/repo';
import { access } from '@/lib/http/access';
import { parseQuery, route } from '@/lib/http/route';

const QuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  state: z.enum(LABEL_STATES).optional(),
});

export const GET = route(access('/api/clips', 'GET'), async ({ req }) => {
  const query = parseQuery(req, QuerySchema);
  return listClipLabels(await getDb(), query);
});
