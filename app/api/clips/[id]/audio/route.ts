import { z } from 'zod';
import { getDb } from '@/db';
import { getClip } from '@/lib/catalog/repo';
import { access } from '@/lib/http/access';
import { AppError } from '@/lib/errors';
import { route } from '@/lib/http/route';
import { audioStore } from '@/lib/storage';
import { audioResponse } from '@/lib/storage/serve';

/** Streams a clip's audio with HTTP range support, so the player can seek without downloading it all. */
export const GET = route<{ id: string }>(access('/api/clips/[id]/audio', 'GET'), async ({ req, params }) => {
  const id = z.string().uuid().parse(params.id);
  const clip = await getClip(await getDb(), id);
  if (!clip.audioKey) throw new AppError('NOT_FOUND', 'The raw audio of this clip was deleted under the retention policy');
  return audioResponse(audioStore(), clip.audioKey, clip.mime, req.headers.get('range'));
});
