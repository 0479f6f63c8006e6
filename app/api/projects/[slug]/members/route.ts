import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { parseBody, route } from '@/lib/http/route';
import { AddMemberSchema, SlugParamSchema } from '@/lib/projects/schemas';
import { addMember, listMembers } from '@/lib/projects/service';

export const dynamic = 'force-dynamic';

export const GET = route<{ slug: string }>(access('/api/projects/[slug]/members', 'GET'), async ({ params, user }) =>
  listMembers(await getDb(), user, SlugParamSchema.parse(params.slug)),
);

/** Adds a member (201) or changes a member's role (200). */
export const POST = route<{ slug: string }>(access('/api/projects/[slug]/members', 'POST'), async ({ req, params, user }) => {
  const slug = SlugParamSchema.parse(params.slug);
  const input = await parseBody(req, AddMemberSchema);
  const { member, created } = await addMember(await getDb(), user, slug, input);
  return Response.json(member, { status: created ? 201 : 200 });
});
