import { z } from 'zod';
import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { parseQuery, route } from '@/lib/http/route';
import { getActiveTaxonomy, getTaxonomy, loadMapping } from '@/lib/taxonomy/repo';
import { TaxonomyMappingQuerySchema, type TaxonomyMappingView } from '@/lib/taxonomy/schemas';

const VersionParam = z.coerce.number({ error: 'the version in the path must be a number' }).int().positive();

/** How the tags of `[version]` map onto version `?to=` (default: the active one), composed across versions. */
export const GET = route<{ version: string }>(
  access('/api/admin/taxonomy/[version]/mapping', 'GET'),
  async ({ req, params }): Promise<TaxonomyMappingView> => {
    const from = VersionParam.parse(params.version);
    const query = parseQuery(req, TaxonomyMappingQuerySchema);
    const db = await getDb();
    const to = query.to ?? (await getActiveTaxonomy(db)).version;
    const mapping = await loadMapping(db, from, to);
    const [fromTaxonomy, toTaxonomy] = await Promise.all([getTaxonomy(db, from), getTaxonomy(db, to)]);
    return { from: fromTaxonomy, to: toTaxonomy, mapping };
  },
);
