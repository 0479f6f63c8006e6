import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { AppError } from '@/lib/errors';
import { parseBody, route } from '@/lib/http/route';
import { createTaxonomyVersionFromEdits, getTaxonomyAdminView } from '@/lib/taxonomy/repo';
import { CreateTaxonomyVersionSchema, type TaxonomyAdminView } from '@/lib/taxonomy/schemas';

/** Versions with counts and the active version's tags, read uncached so an editor starts from the truth. */
export const GET = route(access('/api/admin/taxonomy', 'GET'), async (): Promise<TaxonomyAdminView> => {
  const view = await getTaxonomyAdminView(await getDb());
  if (!view) throw new AppError('NOT_FOUND', 'No mood taxonomy has been set up yet');
  return view;
});

/** Applies edits to `baseVersion` (which must still be active) and makes the result the new active version. */
export const POST = route(access('/api/admin/taxonomy', 'POST'), async ({ req, user }) => {
  const body = await parseBody(req, CreateTaxonomyVersionSchema);
  const created = await createTaxonomyVersionFromEdits(await getDb(), body.baseVersion, body.ops, body.note, user.id);
  return Response.json(created, { status: 201 });
});
