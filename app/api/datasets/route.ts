import { getDb } from '@/db';
import { queueSnapshotBuild } from '@/lib/export/jobs';
import { CreateSnapshotSchema, ListSnapshotsQuerySchema } from '@/lib/export/schemas';
import { createSnapshot, listSnapshots } from '@/lib/export/service';
import { access } from '@/lib/http/access';
import { parseBody, parseQuery, route } from '@/lib/http/route';

export const dynamic = 'force-dynamic';

/** Snapshots, newest first (query: name, limit), with status and the progress of their build. */
export const GET = route(access('/api/datasets', 'GET'), async ({ req }) => {
  const query = parseQuery(req, ListSnapshotsQuerySchema);
  return { snapshots: await listSnapshots(await getDb(), query) };
});

/**
 * Defines a snapshot and queues its build: 202 with the snapshot (status `building`) and the
 * job id; poll GET /api/datasets/{id}. 409 while a build of the same name runs.
 */
export const POST = route(access('/api/datasets', 'POST'), async ({ req, user }) => {
  const input = await parseBody(req, CreateSnapshotSchema);
  const db = await getDb();
  const result = await createSnapshot(db, input, {
    userId: user.id,
    enqueue: queueSnapshotBuild,
  });
  return Response.json(result, { status: 202, headers: { location: `/api/datasets/${result.snapshot.id}` } });
});
