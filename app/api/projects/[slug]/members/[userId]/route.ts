import { z } from 'zod';
import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';
import { SlugParamSchema } from '@/lib/projects/schemas';
import { removeMember } from '@/lib/projects/service';

export const dynamic = 'force-dynamic';

export const DELETE = route<{ slug: string; userId: string }>(
  access('/api/projects/[slug]/members/[userId]', 'DELETE'),
  async ({ params, user }) => {
    const slug = SlugParamSchema.parse(params.slug);
    await removeMember(await getDb(), user, slug, z.string().uuid().parse(params.userId));
    return { ok: true };
  },
);
