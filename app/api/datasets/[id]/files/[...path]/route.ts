import { z } from 'zod';
import { getDb } from '@/db';
import { fileStream, resolveSnapshotFile } from '@/lib/export/service';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';

export const dynamic = 'force-dynamic';

/**
 * Downloads one file of a ready snapshot, streamed: a path the manifest lists (e.g.
 * `data/train-00000-of-00001.parquet`, `README.md`) or `manifest.json`; nothing else.
 * Snapshots are immutable, so the sha256 is a strong ETag and the answer may be cached.
 */
export const GET = route<{ id: string; path?: string[] }>(access('/api/datasets/[id]/files/[...path]', 'GET'), async ({ req, params }) => {
  const id = z.string().uuid('snapshot ids are uuids').parse(params.id);
  const file = await resolveSnapshotFile(await getDb(), id, params.path);
  const headers: Record<string, string> = {
    'content-type': file.contentType,
    'content-length': String(file.bytes),
    'content-disposition': `attachment; filename="${file.filename}"`,
    'cache-control': 'private, max-age=31536000, immutable',
    'x-content-type-options': 'nosniff',
  };
  if (file.sha256) {
    headers.etag = `"${file.sha256}"`;
    headers['x-checksum-sha256'] = file.sha256;
    if (req.headers.get('if-none-match') === headers.etag) return new Response(null, { status: 304, headers: { etag: headers.etag } });
  }
  return new Response(fileStream(file), { headers });
});
