import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { projectAnswers, projectItems, projects } from '@/db/schema';
import { readAnswers, setItemPriorities } from '@/lib/projects/items-repo';
import { createTestDb, insertContributor, insertReadyClips, type TestDb } from '../helpers/db';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => t.close());

describe('items repo', () => {
  it('sets priorities in one statement and reads answers back', async () => {
    const db = t.handle.db;
    const [p] = await db.insert(projects).values({ slug: 'smoke', name: 's', questionType: 'valence_arousal' }).returning();
    const [c1, c2, c3] = await insertReadyClips(db, 3);
    await db.insert(projectItems).values([c1, c2].map((clipId) => ({ projectId: p.id, clipId })));
    expect(await setItemPriorities(db, p.id, [{ clipId: c1, priority: 2.5 }, { clipId: c3, priority: 9 }])).toBe(1);
    const items = await db.select().from(projectItems).where(eq(projectItems.projectId, p.id));
    expect(Object.fromEntries(items.map((i) => [i.clipId, i.priority]))).toEqual({ [c1]: 2.5, [c2]: 0 });
    const u = await insertContributor(db, 'smoke');
    await db.insert(projectAnswers).values({ projectId: p.id, userId: u, clipId: c1, valence: 0.5, arousal: -0.25, idempotencyKey: 'k-smoke-1' });
    const answers = await readAnswers(db, p.id);
    expect(answers).toEqual([
      { userId: u, clipId: c1, clipBId: null, valence: 0.5, arousal: -0.25, choice: null, createdAt: expect.any(Date) },
    ]);
  });
});
