import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { parseQuery, route } from '@/lib/http/route';
import { projectExport, ProjectExportQuerySchema } from '@/lib/projects/export';
import { SlugParamSchema } from '@/lib/projects/schemas';

export const dynamic = 'force-dynamic';

/** The project's scores (or ?what=answers, pseudonymised) as JSONL, CSV or Parquet, streamed (need export). */
export const GET = route<{ slug: string }>(access('/api/projects/[slug]/export', 'GET'), async ({ req, params, user }) => {
  const slug = SlugParamSchema.parse(params.slug);
  const query = parseQuery(req, ProjectExportQuerySchema);
  const { body, filename, contentType } = await projectExport(await getDb(), user, slug, query);
  return new Response(body, {
    headers: { 'content-type': contentType, 'content-disposition': `attachment; filename="${filename}"` },
  });
});
