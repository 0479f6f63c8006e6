import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { auditLog, projectItems, projectMembers, projects, users } from '@/db/schema';
import { ensureDemoProjects } from '@/lib/demo/projects';
import { demoEmail, ensureDemoAccounts } from '@/lib/demo/seed';
import { execRows } from '@/db/client';
import { insertClip } from '@/lib/catalog/repo';
import { requireProject } from '@/lib/projects/access';
import { ProjectViewSchema, type ProjectView } from '@/lib/projects/schemas';
import { syncProjectItems } from '@/lib/projects/service';
import * as projectsRoute from '@/app/api/projects/route';
import * as projectRoute from '@/app/api/projects/[slug]/route';
import * as membersRoute from '@/app/api/projects/[slug]/members/route';
import * as memberRoute from '@/app/api/projects/[slug]/members/[userId]/route';
import { createTestDb, makeUser, type TestDb } from '../helpers/db';
import { ctx, request } from '../helpers/http';

let t: TestDb;
type Who = { id: string; email: string; role: 'admin' | 'contributor' | 'expert'; token: string };
let admin: Who;
let alice: Who; // contributor, member of project A
let bob: Who; // contributor, member of nothing
let expert: Who;
/** The catalog: demo clips by Ann (3 usable, 1 failed), uploads by Bob (2), a pending upload by Cy. */
const clip: Record<string, string> = {};

async function addClip(name: string, source: string, artist: string, status: 'ready' | 'pending' | 'failed' = 'ready') {
  const row = await insertClip(t.handle.db, { sha256: randomBytes(32).toString('hex'), title: name, artist, source, status, durationS: 5 });
  clip[name] = row.id;
  return row.id;
}

async function who(role: Who['role']): Promise<Who> {
  const { user, token } = await makeUser(t.handle, role);
  return { id: user.id, email: user.email, role, token };
}

beforeAll(async () => {
  t = await createTestDb();
  admin = await who('admin');
  alice = await who('contributor');
  bob = await who('contributor');
  expert = await who('expert');
  await addClip('ann1', 'demo', 'Ann');
  await addClip('ann2', 'demo', 'Ann');
  await addClip('ann3', 'demo', 'Ann');
  await addClip('annFailed', 'demo', 'Ann', 'failed');
  await addClip('bob1', 'upload', 'Bob');
  await addClip('bob2', 'upload', 'Bob');
  await addClip('cyPending', 'upload', 'Cy', 'pending');
});
afterAll(async () => t?.close());

async function post(body: unknown, token = admin.token) {
  return projectsRoute.POST(request('POST', '/api/projects', { token, body }));
}

async function create(body: Record<string, unknown>): Promise<ProjectView> {
  const res = await post(body);
  expect(res.status, JSON.stringify(await res.clone().json())).toBe(201);
  return ProjectViewSchema.parse(await res.json());
}

async function listAs(caller: Who): Promise<ProjectView[]> {
  const res = await projectsRoute.GET(request('GET', '/api/projects', { token: caller.token }));
  expect(res.status).toBe(200);
  return ProjectViewSchema.array().parse(await res.json());
}

async function itemsOf(projectId: string): Promise<string[]> {
  const rows = await t.handle.db.select({ clipId: projectItems.clipId }).from(projectItems).where(eq(projectItems.projectId, projectId));
  return rows.map((r) => r.clipId).sort();
}

/** Rows of every table a failed creation could have written. */
async function footprint() {
  const count = async (table: string) => (await execRows<{ n: number }>(t.handle.db, sql.raw(`select count(*)::int as n from ${table}`)))[0].n;
  return { projects: await count('projects'), items: await count('project_items'), audit: await count('audit_log') };
}

const sorted = (...names: string[]) => names.map((n) => clip[n]).sort();

describe('the default project', () => {
  it('exists from the migration: "mood", the tags type, open to all, seen by every role at their installation role', async () => {
    const [row] = await t.handle.db.select().from(projects).where(eq(projects.slug, 'mood'));
    expect(row).toMatchObject({ questionType: 'tags', openToAll: true, archivedAt: null });
    for (const caller of [admin, alice, expert]) {
      const mood = (await listAs(caller)).find((p) => p.slug === 'mood');
      expect(mood, caller.role).toMatchObject({ questionType: 'tags', openToAll: true, myRole: caller.role });
    }
    // Its items are the catalog's usable clips (the tags queue lives on `clips`): 6 of 7, the failed one not.
    expect((await listAs(alice)).find((p) => p.slug === 'mood')?.itemCount).toBe(6);
  });
});

describe('creating a project', () => {
  it('valence–arousal over the whole catalog takes every clip but the failed one; the settings and the audit row are stored', async () => {
    const p = await create({ slug: 'va-all', name: 'VA all', questionType: 'valence_arousal', attribute: 'ignored', settings: { overlap: 5, leaseMinutes: 7 } });
    expect(p).toMatchObject({ slug: 'va-all', questionType: 'valence_arousal', attribute: null, openToAll: false, myRole: 'admin', itemCount: 6, answerCount: 0 });
    expect(p.settings).toEqual({ overlap: 5, leaseMinutes: 7 });
    expect(await itemsOf(p.id)).toEqual(sorted('ann1', 'ann2', 'ann3', 'bob1', 'bob2', 'cyPending'));
    const audit = await t.handle.db.select().from(auditLog).where(and(eq(auditLog.entity, 'project'), eq(auditLog.entityId, p.id)));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'project.create', actorId: admin.id });
  });

  it('by source: the demo clips, failed excluded', async () => {
    const p = await create({ slug: 'va-demo', name: 'VA demo', questionType: 'valence_arousal', clipFilter: { sources: ['demo'] } });
    expect(p.itemCount).toBe(3);
    expect(await itemsOf(p.id)).toEqual(sorted('ann1', 'ann2', 'ann3'));
  });

  it('pairwise by artist, with its attribute', async () => {
    const p = await create({ slug: 'pw-bob', name: 'Bob pairs', questionType: 'pairwise', attribute: 'energetic', clipFilter: { artists: ['Bob'] } });
    expect(p).toMatchObject({ questionType: 'pairwise', attribute: 'energetic', itemCount: 2 });
    expect(await itemsOf(p.id)).toEqual(sorted('bob1', 'bob2'));
  });

  it('by clip ids, and every listed criterion must hold', async () => {
    const ids = await create({ slug: 'va-ids', name: 'ids', questionType: 'valence_arousal', clipFilter: { clipIds: [clip.ann1, clip.bob2] } });
    expect(await itemsOf(ids.id)).toEqual(sorted('ann1', 'bob2'));
    const both = await create({
      slug: 'va-both',
      name: 'both',
      questionType: 'valence_arousal',
      clipFilter: { sources: ['upload'], clipIds: [clip.ann1, clip.bob2, clip.cyPending] },
    });
    expect(await itemsOf(both.id)).toEqual(sorted('bob2', 'cyPending'));
  });

  it('refuses bad input with a clear error and writes nothing', async () => {
    const before = await footprint();
    const missing = randomUUID();
    const cases: { body: Record<string, unknown>; status: number; code: string; message: RegExp | string; token?: string }[] = [
      {
        body: { slug: 'x-unknown', name: 'x', questionType: 'valence_arousal', clipFilter: { clipIds: [clip.ann1, missing] } },
        status: 400,
        code: 'BAD_REQUEST',
        message: missing,
      },
      { body: { slug: 'x-none', name: 'x', questionType: 'valence_arousal', clipFilter: { sources: ['nowhere'] } }, status: 400, code: 'BAD_REQUEST', message: 'the filter selects no clip' },
      // Each criterion holds for some clip, but no clip meets both.
      { body: { slug: 'x-none2', name: 'x', questionType: 'valence_arousal', clipFilter: { sources: ['demo'], artists: ['Bob'] } }, status: 400, code: 'BAD_REQUEST', message: 'the filter selects no clip' },
      { body: { slug: 'x-failed', name: 'x', questionType: 'valence_arousal', clipFilter: { clipIds: [clip.annFailed] } }, status: 400, code: 'BAD_REQUEST', message: 'the filter selects no clip' },
      { body: { slug: 'x-one', name: 'x', questionType: 'pairwise', attribute: 'calm', clipFilter: { clipIds: [clip.ann1] } }, status: 400, code: 'BAD_REQUEST', message: 'selects only 1' },
      { body: { slug: 'va-demo', name: 'again', questionType: 'valence_arousal' }, status: 409, code: 'CONFLICT', message: 'a project with the slug "va-demo" already exists' },
      { body: { slug: 'x-pw', name: 'x', questionType: 'pairwise' }, status: 400, code: 'BAD_REQUEST', message: 'a pairwise project needs an attribute' },
      { body: { slug: 'Bad Slug', name: 'x', questionType: 'valence_arousal' }, status: 400, code: 'BAD_REQUEST', message: 'slug' },
      { body: { slug: 'x-tags', name: 'x', questionType: 'tags' }, status: 400, code: 'BAD_REQUEST', message: 'questionType' },
      { body: { slug: 'x-contrib', name: 'x', questionType: 'valence_arousal' }, status: 403, code: 'FORBIDDEN', message: 'roles', token: alice.token },
    ];
    for (const c of cases) {
      const res = await post(c.body, c.token);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(res.status, `${c.body.slug}: ${body.error?.message}`).toBe(c.status);
      expect(body.error.code).toBe(c.code);
      expect(body.error.message).toMatch(c.message);
    }
    expect(await footprint()).toEqual(before);
  });
  it('takes a hand-picked list of 7,000 clip ids (a body over the default 256 KB limit); unknown ids are named', async () => {
    const many = Array.from({ length: 7000 }, () => randomUUID());
    const body = { slug: 'x-many', name: 'many', questionType: 'valence_arousal', clipFilter: { clipIds: many } };
    expect(JSON.stringify(body).length).toBeGreaterThan(256 * 1024);
    const res = await post(body);
    const { error } = (await res.json()) as { error: { code: string; message: string; details: { unknownClipIds: string[] } } };
    expect(res.status).toBe(400);
    expect(error.message).toContain(`no clip with the id ${many.slice(0, 5).join(', ')} and 6995 more`);
    expect(error.details.unknownClipIds).toHaveLength(7000);
  });
});

describe('cross-project isolation', () => {
  let a: ProjectView;
  let b: ProjectView;
  beforeAll(async () => {
    a = await create({ slug: 'iso-a', name: 'A', questionType: 'valence_arousal', clipFilter: { sources: ['demo'] } });
    b = await create({ slug: 'iso-b', name: 'B', questionType: 'pairwise', attribute: 'sad', clipFilter: { sources: ['upload'] } });
    const res = await membersRoute.POST(request('POST', '/api/projects/iso-a/members', { token: admin.token, body: { email: alice.email, role: 'contributor' } }), ctx({ slug: 'iso-a' }));
    expect(res.status).toBe(201);
  });

  it("a contributor member of A lists A (as contributor) and the open default project, not B", async () => {
    const mine = await listAs(alice);
    expect(mine.map((p) => p.slug).sort()).toEqual(['iso-a', 'mood']);
    expect(mine.find((p) => p.slug === 'iso-a')).toMatchObject({ myRole: 'contributor', itemCount: 3, answerCount: 0 });
    // A contributor of nothing sees the default project only.
    expect((await listAs(bob)).map((p) => p.slug)).toEqual(['mood']);
  });

  it("B is not found for A's contributor, exactly as a missing project", async () => {
    await expect(requireProject(t.handle.db, alice, 'iso-b', 'contribute')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const res = await projectRoute.GET(request('GET', '/api/projects/iso-b', { token: alice.token }), ctx({ slug: 'iso-b' }));
    expect(res.status).toBe(404);
    const missing = await projectRoute.GET(request('GET', '/api/projects/no-such', { token: alice.token }), ctx({ slug: 'no-such' }));
    expect(missing.status).toBe(404);
    const [x, y] = (await Promise.all([res.json(), missing.json()])) as { error: { message: string } }[];
    expect(x.error.message.replace('iso-b', 'S')).toBe(y.error.message.replace('no-such', 'S'));
  });

  it('in A the contributor may contribute, not review nor manage', async () => {
    const res = await projectRoute.GET(request('GET', '/api/projects/iso-a', { token: alice.token }), ctx({ slug: 'iso-a' }));
    expect(res.status).toBe(200);
    expect(ProjectViewSchema.parse(await res.json())).toMatchObject({ id: a.id, myRole: 'contributor' });
    for (const need of ['review', 'manage'] as const) {
      await expect(requireProject(t.handle.db, alice, 'iso-a', need)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }
    const members = await membersRoute.GET(request('GET', '/api/projects/iso-a/members', { token: alice.token }), ctx({ slug: 'iso-a' }));
    expect(members.status).toBe(403);
    const add = await membersRoute.POST(
      request('POST', '/api/projects/iso-a/members', { token: alice.token, body: { email: bob.email, role: 'admin' } }),
      ctx({ slug: 'iso-a' }),
    );
    expect(add.status).toBe(403);
    expect(await t.handle.db.select().from(projectMembers).where(eq(projectMembers.userId, bob.id))).toEqual([]);
  });

  it('an installation admin sees and manages both', async () => {
    const slugs = (await listAs(admin)).map((p) => p.slug);
    expect(slugs).toEqual(expect.arrayContaining(['mood', 'iso-a', 'iso-b']));
    for (const p of [a, b]) {
      const { role } = await requireProject(t.handle.db, admin, p.slug, 'manage');
      expect(role).toBe('admin');
    }
  });
});

describe('members', () => {
  let p: ProjectView;
  beforeAll(async () => {
    p = await create({ slug: 'team', name: 'Team', questionType: 'valence_arousal', clipFilter: { artists: ['Ann'] } });
  });
  const members = async () => {
    const res = await membersRoute.GET(request('GET', '/api/projects/team/members', { token: admin.token }), ctx({ slug: 'team' }));
    expect(res.status).toBe(200);
    return (await res.json()) as { userId: string; email: string; role: string }[];
  };
  const add = (email: string, role: string) =>
    membersRoute.POST(request('POST', '/api/projects/team/members', { token: admin.token, body: { email, role } }), ctx({ slug: 'team' }));
  const actions = async () =>
    (await t.handle.db.select().from(auditLog).where(and(eq(auditLog.entity, 'project'), eq(auditLog.entityId, p.id))).orderBy(auditLog.id)).map((r) => r.action);

  it('adds by email (any case), changes the role on a second add, removes; each change audited', async () => {
    const first = await add(expert.email.toUpperCase(), 'contributor');
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({ userId: expert.id, email: expert.email, role: 'contributor' });
    expect(await members()).toEqual([expect.objectContaining({ userId: expert.id, role: 'contributor' })]);
    // The expert is a contributor here: their installation role does not raise it.
    await expect(requireProject(t.handle.db, expert, 'team', 'review')).rejects.toMatchObject({ code: 'FORBIDDEN' });

    const again = await add(expert.email, 'expert');
    expect(again.status).toBe(200);
    expect(await members()).toEqual([expect.objectContaining({ userId: expert.id, role: 'expert' })]);
    expect((await requireProject(t.handle.db, expert, 'team', 'review')).role).toBe('expert');

    const del = await memberRoute.DELETE(request('DELETE', `/api/projects/team/members/${expert.id}`, { token: admin.token }), ctx({ slug: 'team', userId: expert.id }));
    expect(del.status).toBe(200);
    expect(await members()).toEqual([]);
    await expect(requireProject(t.handle.db, expert, 'team', 'contribute')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await actions()).toEqual(['project.create', 'project.member.add', 'project.member.update', 'project.member.remove']);
  });

  it('an unknown email is a 404 naming it; removing a non-member is a 404; the open default project has no member list', async () => {
    const before = await actions();
    const unknown = await add('nobody@test.local', 'contributor');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toContain('nobody@test.local');
    const notMember = await memberRoute.DELETE(request('DELETE', `/api/projects/team/members/${bob.id}`, { token: admin.token }), ctx({ slug: 'team', userId: bob.id }));
    expect(notMember.status).toBe(404);
    expect(((await notMember.json()) as { error: { message: string } }).error.message).toContain(bob.email);
    const badRole = await add(bob.email, 'owner');
    expect(badRole.status).toBe(400);
    const mood = await membersRoute.POST(request('POST', '/api/projects/mood/members', { token: admin.token, body: { email: bob.email, role: 'admin' } }), ctx({ slug: 'mood' }));
    expect(mood.status).toBe(400);
    expect(((await mood.json()) as { error: { message: string } }).error.message).toContain('open to every user');
    expect(await members()).toEqual([]);
    expect(await actions()).toEqual(before);
    expect(await t.handle.db.select().from(projectMembers).where(eq(projectMembers.userId, bob.id))).toEqual([]);
  });
});

describe('sync', () => {
  it('adds a newly ingested matching clip once, and nothing that does not match', async () => {
    const p = await create({ slug: 'uploads', name: 'Uploads', questionType: 'valence_arousal', clipFilter: { sources: ['upload'] } });
    expect(p.itemCount).toBe(3);
    expect(await syncProjectItems(t.handle.db, p.id)).toBe(0);
    await addClip('late', 'upload', 'Dee');
    await addClip('lateDemo', 'demo', 'Dee');
    await addClip('lateFailed', 'upload', 'Dee', 'failed');
    expect(await syncProjectItems(t.handle.db, p.id)).toBe(1);
    expect(await syncProjectItems(t.handle.db, p.id)).toBe(0);
    expect(await itemsOf(p.id)).toEqual(sorted('bob1', 'bob2', 'cyPending', 'late'));
    const [mood] = await t.handle.db.select().from(projects).where(eq(projects.slug, 'mood'));
    expect(await syncProjectItems(t.handle.db, mood.id)).toBe(0);
    expect(await itemsOf(mood.id)).toEqual([]);
  });

  it('the scheduled aggregate-projects run adds a clip ingested since, to every project whose filter it matches', async () => {
    const { aggregateProjectsJob } = await import('@/jobs/aggregate-projects');
    await addClip('fay1', 'upload', 'Fay');
    await addClip('fay2', 'upload', 'Fay');
    const p = await create({ slug: 'by-fay', name: 'Fay', questionType: 'pairwise', attribute: 'dark', clipFilter: { artists: ['Fay'] } });
    await addClip('fay3', 'upload', 'Fay');
    await addClip('notFay', 'upload', 'Gus');
    expect(await itemsOf(p.id)).toEqual(sorted('fay1', 'fay2'));
    await aggregateProjectsJob.handler(aggregateProjectsJob.schema.parse({}), {
      db: t.handle.db,
      progress: async () => undefined,
    } as unknown as Parameters<typeof aggregateProjectsJob.handler>[1]);
    expect(await itemsOf(p.id)).toEqual(sorted('fay1', 'fay2', 'fay3'));
    expect(await itemsOf((await requireProject(t.handle.db, admin, 'uploads', 'manage')).project.id)).toContain(clip.notFay);
  });
});

describe('the demo projects', () => {
  it('are created over the demo clips with the demo contributor and expert, and a second start writes nothing', async () => {
    await ensureDemoAccounts(t.handle.db, 'demo-projects-password');
    const demoClips = sorted('ann1', 'ann2', 'ann3', 'lateDemo');
    expect(await ensureDemoProjects(t.handle.db)).toEqual(['created the demo project "va-pilot"', 'created the demo project "energy"']);
    const auditRows = async () => (await execRows<{ n: number }>(t.handle.db, sql`select count(*)::int as n from audit_log`))[0].n;
    const before = await auditRows();
    expect(await ensureDemoProjects(t.handle.db)).toEqual([]);
    expect(await auditRows()).toBe(before);

    const views = await listAs(admin);
    expect(views.find((p) => p.slug === 'va-pilot')).toMatchObject({ name: 'Valence–arousal pilot', questionType: 'valence_arousal', settings: { overlap: 3 }, itemCount: 4 });
    expect(views.find((p) => p.slug === 'energy')).toMatchObject({ name: 'Energy ranking', questionType: 'pairwise', attribute: 'energetic', settings: { overlap: 4 }, itemCount: 4 });
    for (const slug of ['va-pilot', 'energy']) {
      const { project } = await requireProject(t.handle.db, admin, slug, 'manage');
      expect(await itemsOf(project.id)).toEqual(demoClips);
      const roles = await t.handle.db
        .select({ email: users.email, role: projectMembers.role })
        .from(projectMembers)
        .innerJoin(users, eq(users.id, projectMembers.userId))
        .where(eq(projectMembers.projectId, project.id))
        .orderBy(users.email);
      expect(roles).toEqual([
        { email: demoEmail('contributor'), role: 'contributor' },
        { email: demoEmail('expert'), role: 'expert' },
      ]);
    }

    // A restart after the catalog grew adds the new demo clips, once.
    await addClip('demoLater', 'demo', 'Eve');
    expect(await ensureDemoProjects(t.handle.db)).toEqual(['1 demo clip added to "va-pilot"', '1 demo clip added to "energy"']);
    expect(await ensureDemoProjects(t.handle.db)).toEqual([]);
  });
});

describe('audit atomicity', () => {
  it('a project or a membership whose audit row cannot be written is not kept', async () => {
    await t.handle.exec(`create function chorus_test_no_audit() returns trigger language plpgsql as $$
      begin raise exception 'audit log unavailable (test)'; end $$;
      create trigger chorus_test_no_audit before insert on audit_log for each row execute function chorus_test_no_audit();`);
    try {
      const created = await post({ slug: 'unaudited', name: 'x', questionType: 'valence_arousal' });
      expect(created.status).toBe(500);
      expect(await t.handle.db.select().from(projects).where(eq(projects.slug, 'unaudited'))).toEqual([]);
      const added = await membersRoute.POST(
        request('POST', '/api/projects/team/members', { token: admin.token, body: { email: bob.email, role: 'expert' } }),
        ctx({ slug: 'team' }),
      );
      expect(added.status).toBe(500);
      expect(await t.handle.db.select().from(projectMembers).where(eq(projectMembers.userId, bob.id))).toEqual([]);
    } finally {
      await t.handle.exec('drop trigger chorus_test_no_audit on audit_log; drop function chorus_test_no_audit();');
    }
  });
});
