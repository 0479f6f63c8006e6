import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settings } from '@/db/schema';
import { GET as getSettings, PATCH as patchSettings } from '@/app/api/admin/settings/route';
import { PATCH as patchStrategy } from '@/app/api/models/strategy/route';
import { getProjectSettings, updateProjectSettings } from '@/lib/settings/repo';
import { ProjectSettingsPatchSchema, ProjectSettingsSchema } from '@/lib/settings/schemas';
import { createTestDb, makeUser, type TestDb } from '../helpers/db';
import { ctx, request } from '../helpers/http';

/**
 * Attacker's (or a careless admin's) view of the settings API: each field within its range, but
 * together contradictory — `minVotes 50` with `maxVotes 1` was stored (issue 22, finding 6) and
 * every clip would stay open forever. The settings are validated as a whole: 400 with a message
 * that names the fields, and nothing is stored.
 */
let t: TestDb;
let admin: string;
let engineer: string;

beforeAll(async () => {
  t = await createTestDb();
  admin = (await makeUser(t.handle, 'admin')).token;
  engineer = (await makeUser(t.handle, 'engineer')).token;
}, 120_000);
afterAll(async () => t.close());

async function patch(body: unknown) {
  const res = await patchSettings(request('PATCH', '/api/admin/settings', { token: admin, body }), ctx({}));
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string }; minVotes?: number } };
}

describe('finding 6: settings validated as a whole — contradicting settings are refused', () => {
  it('minVotes 50 with maxVotes 1 → 400 with a message naming both, and nothing changes', async () => {
    const before = await getProjectSettings(t.handle.db);
    const res = await patch({ minVotes: 50, maxVotes: 1 });
    expect(res.status).toBe(400);
    expect(res.body.error?.message).toMatch(/minVotes \(50\) must be at most maxVotes \(1\)/);
    expect(await getProjectSettings(t.handle.db)).toEqual(before);
  });

  it('one side of a pair against the stored other side is checked too (minVotes 50 alone, maxVotes 1 alone)', async () => {
    const { maxVotes, minVotes } = await getProjectSettings(t.handle.db);
    const tooMany = await patch({ minVotes: 50 });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error?.message).toContain(`minVotes (50) must be at most maxVotes (${maxVotes})`);
    const tooFew = await patch({ maxVotes: 1 });
    expect(tooFew.status).toBe(400);
    expect(tooFew.body.error?.message).toContain(`minVotes (${minVotes}) must be at most maxVotes (1)`);
  });

  it('overlap above maxVotes → 400', async () => {
    const res = await patch({ overlap: 20, maxVotes: 10 });
    expect(res.status).toBe(400);
    expect(res.body.error?.message).toMatch(/overlap \(20\) must be at most maxVotes \(10\)/);
  });

  it('per-field ranges still hold: goldRate 1.5 and -0.1 → 400', async () => {
    expect((await patch({ goldRate: 1.5 })).status).toBe(400);
    expect((await patch({ goldRate: -0.1 })).status).toBe(400);
    expect((await patch({ newContributorGoldRate: 2 })).status).toBe(400);
  });

  it('a patch changes only the keys it names (zod 4 `.partial()` used to fill in every default)', async () => {
    expect((await patch({ maxVotes: 9, overlap: 5 })).status).toBe(200);
    const res = await patch({ goldRate: 0.2 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ goldRate: 0.2, maxVotes: 9, overlap: 5 });
    expect(ProjectSettingsPatchSchema.parse({ goldRate: 0.3 })).toEqual({ goldRate: 0.3 });
    expect((await patch({ goldRate: 0.1, maxVotes: 7, overlap: 3 })).status).toBe(200);
  });

  it('a consistent change is stored; min = max is allowed', async () => {
    const ok = await patch({ minVotes: 4, maxVotes: 4, overlap: 4 });
    expect(ok.status).toBe(200);
    expect(ok.body.minVotes).toBe(4);
    const back = await patch({ minVotes: 3, maxVotes: 7, overlap: 3 });
    expect(back.status).toBe(200);
  });

  it('hybrid strategy with every priority weight 0 → 400 from the strategy route too', async () => {
    const res = await patchStrategy(
      request('PATCH', '/api/models/strategy', {
        token: engineer,
        body: { strategy: 'hybrid', priorityWeights: { uncertainty: 0, disagreement: 0, diversity: 0, votesNeeded: 0 } },
      }),
      ctx({}),
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/at least one priority weight/);
  });

  it('a row stored before the rules existed still reads (GET 200), and the next write must fix it', async () => {
    const bad = { ...(await getProjectSettings(t.handle.db)), minVotes: 9, maxVotes: 2, overlap: 2 };
    await t.handle.db.insert(settings).values({ key: 'project', value: bad }).onConflictDoUpdate({ target: settings.key, set: { value: bad } });
    await updateProjectSettings(t.handle.db, {}).catch(() => null); // clears the cache, refuses the write
    const res = await getSettings(request('GET', '/api/admin/settings', { token: admin }), ctx({}));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { minVotes: number }).minVotes).toBe(9);
    const stillBad = await patch({ goldRate: 0.2 });
    expect(stillBad.status, JSON.stringify(stillBad.body)).toBe(400);
    expect((await patch({ minVotes: 2 })).status).toBe(200);
  });

  it('one schema: the API patch shape is per field, the whole-settings schema carries the rules', () => {
    expect(ProjectSettingsPatchSchema.safeParse({ minVotes: 50, maxVotes: 1 }).success).toBe(true);
    const whole = ProjectSettingsSchema.safeParse({ minVotes: 50, maxVotes: 1 });
    expect(whole.success).toBe(false);
    expect(whole.error?.issues[0]).toMatchObject({ path: ['minVotes'] });
  });
});
