import { getDb } from '@/db';
import { pushModelEmbeddings } from '@/lib/active/service';
import { access } from '@/lib/http/access';
import { parseBody, route } from '@/lib/http/route';
import { ModelIdParamsSchema } from '@/lib/model/schemas';
import { PushEmbeddingsSchema } from '@/lib/recommend/schemas';

export const dynamic = 'force-dynamic';

/**
 * Pushes a model's embeddings as a new embedding version (issue 20): 'ready' for a canary by
 * default, or active at once with `activate: true`. Audited as embedding.push.
 */
export const POST = route<{ id: string }>(access('/api/models/[id]/embeddings', 'POST'), async ({ params, req, user }) => {
  const { id } = ModelIdParamsSchema.parse(params);
  const body = await parseBody(req, PushEmbeddingsSchema);
  return Response.json(await pushModelEmbeddings(await getDb(), { modelId: id, activate: body.activate }, user.id), {
    status: 201,
  });
});
