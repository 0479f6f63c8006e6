import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { parseBody, route } from '@/lib/http/route';
import { submitAppeal } from '@/lib/pause/repo';
import { AppealSchema } from '@/lib/pause/schemas';

export const dynamic = 'force-dynamic';

/** A paused contributor's appeal to the admins (a short text; a second one replaces the first). 409 when not paused. */
export const POST = route({ ...access('/api/me/pause/appeal', 'POST'), allowPaused: true }, async ({ req, user }) => {
  const { text } = await parseBody(req, AppealSchema);
  return { pause: await submitAppeal(await getDb(), user.id, text) };
});
