import { getDb } from '@/db';
import { GuidelineTagParamSchema } from '@/lib/guidelines/schemas';
import { guidelineCandidates } from '@/lib/guidelines/service';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';

export const dynamic = 'force-dynamic';

/** Settled, non-gold clips with this mood, surest first: the example picker's choices (experts and admins). */
export const GET = route<{ tag: string }>(access('/api/guidelines/[tag]/candidates', 'GET'), async ({ params }) => {
  const tag = GuidelineTagParamSchema.parse(params.tag);
  return { candidates: await guidelineCandidates(await getDb(), tag) };
});
