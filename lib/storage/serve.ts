import type { AudioStore } from './audio-store';

/**
 * An HTTP response streaming a stored audio file, honouring a single `Range: bytes=a-b` (or
 * suffix `bytes=-n`) request so players can seek without downloading the whole file.
 */
export async function audioResponse(store: AudioStore, key: string, mime: string | null, rangeHeader: string | null): Promise<Response> {
  const size = await store.size(key);
  const headers: Record<string, string> = {
    'content-type': mime ?? 'application/octet-stream',
    'accept-ranges': 'bytes',
    'cache-control': 'private, max-age=3600',
  };
  const range = /^bytes=(\d*)-(\d*)$/.exec(rangeHeader ?? '');
  if (range && (range[1] || range[2])) {
    const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
    const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    if (start >= size || start > end) {
      return new Response(null, { status: 416, headers: { 'content-range': `bytes */${size}` } });
    }
    return new Response(store.stream(key, { start, end }), {
      status: 206,
      headers: { ...headers, 'content-range': `bytes ${start}-${end}/${size}`, 'content-length': String(end - start + 1) },
    });
  }
  return new Response(store.stream(key), { headers: { ...headers, 'content-length': String(size) } });
}
