import { z } from 'zod';
import { getDb } from '@/db';
import { getSnapshot } from '@/lib/export/service';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';

export const dynamic = 'force-dynamic';

/** One snapshot: status, job progress, files and (once ready) its manifest. */
export const GET = route<{ id: string }>(access('/api/datasets/[id]', 'GET'), async ({ params }) => {
  const id = z.string().uuid('snapshot ids are uuids').parse(params.id);
  return { snapshot: await getSnapshot(await getDb(), id, true) };
});
