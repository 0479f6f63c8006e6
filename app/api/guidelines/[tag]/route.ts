import { getDb } from '@/db';
import { GuidelineInputSchema, GuidelineTagParamSchema } from '@/lib/guidelines/schemas';
import { saveGuideline } from '@/lib/guidelines/service';
import { access } from '@/lib/http/access';
import { parseBody, route } from '@/lib/http/route';

/** Writes one mood's guideline: text and up to three example clips (experts and admins; audited). */
export const PUT = route<{ tag: string }>(access('/api/guidelines/[tag]', 'PUT'), async ({ req, params, user }) => {
  const tag = GuidelineTagParamSchema.parse(params.tag);
  const input = await parseBody(req, GuidelineInputSchema);
  return saveGuideline(await getDb(), user.id, tag, input);
});
