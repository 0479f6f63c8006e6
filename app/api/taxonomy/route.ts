import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';

export const GET = route(access('/api/taxonomy', 'GET'), async () => getActiveTaxonomy(await getDb()));
