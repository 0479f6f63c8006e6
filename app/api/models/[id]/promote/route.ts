import { getDb } from '@/db';
import { requestRescore } from '@/lib/active/jobs';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';
import { ModelIdParamsSchema } from '@/lib/model/schemas';
import { promoteModel } from '@/lib/model/service';

/** Activates a ready or retired model by an engineer's decision (ONNX verified first, audited), then rescores. */
export const POST = route<{ id: string }>(access('/api/models/[id]/promote', 'POST'), async ({ params, user }) => {
  const { id } = ModelIdParamsSchema.parse(params);
  const result = await promoteModel(await getDb(), id, user.id);
  const rescoreJobId = await requestRescore('promotion');
  return { ...result, rescoreJobId };
});
