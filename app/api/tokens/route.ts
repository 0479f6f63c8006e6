import { getDb } from '@/db';
import { createApiToken, listApiTokens } from '@/lib/auth/repo';
import { CreateTokenSchema } from '@/lib/auth/schemas';
import { access } from '@/lib/http/access';
import { parseBody, route } from '@/lib/http/route';

export const GET = route(access('/api/tokens', 'GET'), async ({ user }) => ({ tokens: await listApiTokens(await getDb(), user.id) }));

/** The plain token appears in this response only; Chorus keeps just its hash. */
export const POST = route(access('/api/tokens', 'POST'), async ({ req, user }) => {
  const { name } = await parseBody(req, CreateTokenSchema);
  const created = await createApiToken(await getDb(), user.id, name);
  return Response.json(created, { status: 201 });
});
