import { getDb } from '@/db';
import { contributorQuality } from '@/lib/crowd/service';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';

export const dynamic = 'force-dynamic';

/** The caller's own accuracy on gold clips and streak — aggregate figures only, never per clip. */
export const GET = route(access('/api/me/quality', 'GET'), async ({ user }) => contributorQuality(await getDb(), user.id));
