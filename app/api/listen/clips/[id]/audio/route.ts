import { z } from 'zod';
import { access } from '@/lib/http/access';
import { clientIp } from '@/lib/http/rate-limit';
import { route } from '@/lib/http/route';
import { getRecommender } from '@/lib/recommend/runtime';
import { listenerAudio } from '@/lib/recommend/service';
import { audioStore } from '@/lib/storage';

export const dynamic = 'force-dynamic';

/**
 * A recommendable track's audio for the anonymous /listen player, with range support. Only
 * clips listeners may hear (in the served embedding version, not gold, not failed); labelers
 * keep using /api/clips/[id]/audio.
 */
export const GET = route<{ id: string }>(access('/api/listen/clips/[id]/audio', 'GET'), async ({ req, params }) => {
  const id = z.string().uuid().parse(params.id);
  const rec = await getRecommender();
  rec.limit('reads', clientIp(req));
  const { audioKey, mime } = await listenerAudio(rec, id);
  const store = audioStore();
  const size = await store.size(audioKey);
  const headers: Record<string, string> = {
    'content-type': mime ?? 'application/octet-stream',
    'accept-ranges': 'bytes',
    'cache-control': 'private, max-age=3600',
  };
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.get('range') ?? '');
  if (range && (range[1] || range[2])) {
    const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
    const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    if (start >= size || start > end) {
      return new Response(null, { status: 416, headers: { 'content-range': `bytes */${size}` } });
    }
    return new Response(store.stream(audioKey, { start, end }), {
      status: 206,
      headers: { ...headers, 'content-range': `bytes ${start}-${end}/${size}`, 'content-length': String(end - start + 1) },
    });
  }
  return new Response(store.stream(audioKey), { headers: { ...headers, 'content-length': String(size) } });
});
