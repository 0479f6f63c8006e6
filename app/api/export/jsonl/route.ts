import { getDb } from '@/db';
import { currentLabelsJsonl } from '@/lib/export/jsonl';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';

export const dynamic = 'force-dynamic';

/** The current labels as JSON Lines, streamed page by page (snapshots are the versioned alternative). */
export const GET = route(access('/api/export/jsonl', 'GET'), async () => {
  const { body, filename } = currentLabelsJsonl(await getDb());
  return new Response(body, {
    headers: {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="${filename}"`,
    },
  });
});
