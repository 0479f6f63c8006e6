import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';
import { qualificationStatus } from '@/lib/qualification/service';

export const dynamic = 'force-dynamic';

/** Where the caller stands with the qualification round (counts only: never which answers were right). */
export const GET = route(access('/api/me/qualification', 'GET'), async ({ user }) => qualificationStatus(await getDb(), user.id));
