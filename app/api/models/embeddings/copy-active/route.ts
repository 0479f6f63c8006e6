import { getDb } from '@/db';
import { copyActiveEmbeddings } from '@/lib/active/service';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';

export const dynamic = 'force-dynamic';

/** A 'ready' copy of the active embedding version, for an A/A canary (audited embedding.copy; 201). */
export const POST = route(access('/api/models/embeddings/copy-active', 'POST'), async ({ user }) =>
  Response.json(await copyActiveEmbeddings(await getDb(), user.id), { status: 201 }),
);
