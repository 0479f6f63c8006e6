import { z } from 'zod';
import { getDb } from '@/db';
import { getClip } from '@/lib/catalog/repo';
import { access } from '@/lib/http/access';
import { AppError } from '@/lib/http/errors';
import { route } from '@/lib/http/route';
import { audioStore } from '@/lib/storage';

/** Streams a clip's audio with HTTP range support, so the player can seek without downloading it all. */
export const GET = route<{ id: string }>(access('/api/clips/[id]/audio', 'GET'), async ({ req, params }) => {
  const id = z.string().uuid().parse(params.id);
  const clip = await getClip(await getDb(), id);
  if (!clip.audioKey) throw new AppError('NOT_FOUND', 'The raw audio of this clip was deleted under the retention policy');
  const store = audioStore();
  const size = await store.size(clip.audioKey);
  const headers: Record<string, string> = {
    'content-type': clip.mime ?? 'application/octet-stream',
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
    return new Response(store.stream(clip.audioKey, { start, end }), {
      status: 206,
      headers: { ...headers, 'content-range': `bytes ${start}-${end}/${size}`, 'content-length': String(end - start + 1) },
    });
  }
  return new Response(store.stream(clip.audioKey), { headers: { ...headers, 'content-length': String(size) } });
});
