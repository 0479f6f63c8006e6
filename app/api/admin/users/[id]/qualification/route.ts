import { z } from 'zod';
import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { parseBody, route } from '@/lib/http/route';
import { setQualification } from '@/lib/qualification/admin';
import { QualificationOverrideSchema } from '@/lib/qualification/schemas';

export const dynamic = 'force-dynamic';

/** Grants (`qualified: true`) or revokes a contributor's qualification with a note; audited. */
export const PUT = route<{ id: string }>(access('/api/admin/users/[id]/qualification', 'PUT'), async ({ req, params, user }) => {
  const id = z.string().uuid().parse(params.id);
  return setQualification(await getDb(), user.id, id, await parseBody(req, QualificationOverrideSchema));
});
