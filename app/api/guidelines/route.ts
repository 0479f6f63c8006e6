import { getDb } from '@/db';
import { listGuidelines } from '@/lib/guidelines/service';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';

export const dynamic = 'force-dynamic';

/** Every mood of the active taxonomy with its guideline text and playable examples (never a gold clip). */
export const GET = route(access('/api/guidelines', 'GET'), async () => listGuidelines(await getDb()));
