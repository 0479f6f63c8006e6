import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { projectItems, projectMembers, projects } from '@/db/schema';
import { insertClip } from '@/lib/catalog/repo';
import { ProjectViewSchema } from '@/lib/projects/schemas';
import { createTestDb, makeUser, type TestDb } from '../helpers/db';
import { runCli } from '../helpers/cli';

let t: TestDb;
let contributor: { id: string; email: string };
const ids: string[] = [];

async function addClip(source: string, artist = 'Ann') {
  const row = await insertClip(t.handle.db, { sha256: randomBytes(32).toString('hex'), title: `${source} clip`, artist, source, status: 'ready', durationS: 4 });
  ids.push(row.id);
  return row.id;
}

const slugs = async () => (await t.handle.db.select({ slug: projects.slug }).from(projects)).map((p) => p.slug).sort();
const membersOf = async (slug: string) => {
  const [p] = await t.handle.db.select().from(projects).where(eq(projects.slug, slug));
  return t.handle.db.select({ userId: projectMembers.userId, role: projectMembers.role }).from(projectMembers).where(eq(projectMembers.projectId, p.id));
};

beforeAll(async () => {
  t = await createTestDb();
  const { user } = await makeUser(t.handle, 'contributor');
  contributor = { id: user.id, email: user.email };
  await addClip('demo');
  await addClip('demo');
  await addClip('upload', 'Bob');
});
afterAll(async () => t?.close());

describe('chorus project', () => {
  it('list shows the default project in a table, and as JSON with --json', async () => {
    const table = await runCli(['project', 'list']);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^slug\s+type\s+items\s+answers\s+open to\s+name$/);
    expect(lines[1]).toMatch(/^mood\s+mood tags\s+3\s+0\s+everyone\s+Mood tags$/);
    const json = await runCli(['project', 'list', '--json']);
    expect(ProjectViewSchema.array().parse(JSON.parse(json.stdout)).map((p) => p.slug)).toEqual(['mood']);
  });

  it('create makes a project over the filtered clips and prints it', async () => {
    const { code, stdout, stderr } = await runCli([
      'project', 'create', '--slug', 'energy', '--name', 'Which is more energetic?', '--type', 'pairwise',
      '--attribute', 'energetic', '--source', 'demo', '--overlap', '4', '--lease-minutes', '5',
    ]);
    expect(stderr).toContain('created project "energy" (pairwise) with 2 clips');
    expect(code).toBe(0);
    const view = ProjectViewSchema.parse(JSON.parse(stdout));
    expect(view).toMatchObject({ slug: 'energy', questionType: 'pairwise', attribute: 'energetic', itemCount: 2, settings: { overlap: 4, leaseMinutes: 5 } });
    expect(view.clipFilter).toEqual({ sources: ['demo'] });
    const list = await runCli(['project', 'list']);
    expect(list.stdout).toMatch(/\nenergy\s+pairwise \(more energetic\?\)\s+2\s+0\s+members\s+Which is more energetic\?\n/);
  });

  it('bad input is refused with a clear message, a non-zero exit, and nothing created', async () => {
    const before = await slugs();
    const missing = randomUUID();
    const cases: { args: string[]; code: number; message: string }[] = [
      { args: ['frob'], code: 2, message: 'give one of list, create' },
      { args: ['create', '--name', 'x', '--type', 'valence_arousal'], code: 2, message: 'create needs --slug' },
      { args: ['create', '--slug', 'x', '--name', 'x', '--type', 'pairwise'], code: 2, message: 'a pairwise project needs an attribute' },
      { args: ['create', '--slug', 'x', '--name', 'x', '--type', 'tags'], code: 2, message: 'questionType' },
      { args: ['create', '--slug', 'x', '--name', 'x', '--type', 'valence_arousal', '--overlap', 'lots'], code: 2, message: '--overlap must be a positive integer' },
      { args: ['create', '--slug', 'x', '--name', 'x', '--type', 'valence_arousal', '--clip', missing], code: 1, message: missing },
      { args: ['create', '--slug', 'x', '--name', 'x', '--type', 'valence_arousal', '--source', 'nowhere'], code: 1, message: 'the filter selects no clip' },
      { args: ['create', '--slug', 'energy', '--name', 'x', '--type', 'valence_arousal'], code: 1, message: 'a project with the slug "energy" already exists' },
      { args: ['create', '--slug', 'x', '--name', 'x', '--type', 'valence_arousal', '--project', 'energy'], code: 2, message: '--project does not go with "create"' },
      { args: ['sync'], code: 2, message: 'sync needs --project' },
    ];
    for (const c of cases) {
      const res = await runCli(['project', ...c.args]);
      expect(res.code, `${c.args.join(' ')}: ${res.stderr}`).toBe(c.code);
      expect(res.stderr).toContain(c.message);
      expect(res.stdout).toBe('');
    }
    expect(await slugs()).toEqual(before);
  });

  it('add-member adds by email and changes the role; remove-member takes the member out', async () => {
    const add = await runCli(['project', 'add-member', '--project', 'energy', '--email', contributor.email, '--role', 'contributor']);
    expect(add.code).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ userId: contributor.id, role: 'contributor' });
    expect(await membersOf('energy')).toEqual([{ userId: contributor.id, role: 'contributor' }]);

    const change = await runCli(['project', 'add-member', '--project', 'energy', '--email', contributor.email, '--role', 'expert']);
    expect(change.code).toBe(0);
    expect(await membersOf('energy')).toEqual([{ userId: contributor.id, role: 'expert' }]);

    for (const [args, code, message] of [
      [['add-member', '--project', 'energy', '--email', 'nobody@test.local', '--role', 'expert'], 1, 'no user with the email "nobody@test.local"'],
      [['add-member', '--project', 'energy', '--email', contributor.email, '--role', 'boss'], 2, 'role'],
      [['add-member', '--project', 'nope', '--email', contributor.email, '--role', 'expert'], 1, 'no project "nope"'],
      [['add-member', '--project', 'mood', '--email', contributor.email, '--role', 'expert'], 1, 'open to every user'],
    ] as const) {
      const res = await runCli(['project', ...args]);
      expect(res.code, res.stderr).toBe(code);
      expect(res.stderr).toContain(message);
    }
    expect(await membersOf('energy')).toEqual([{ userId: contributor.id, role: 'expert' }]);

    const remove = await runCli(['project', 'remove-member', '--project', 'energy', '--email', contributor.email]);
    expect(remove.code).toBe(0);
    expect(await membersOf('energy')).toEqual([]);
    const again = await runCli(['project', 'remove-member', '--project', 'energy', '--email', contributor.email]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('is not a member of "energy"');
  });

  it('sync adds a newly ingested matching clip once', async () => {
    const late = await addClip('demo');
    await addClip('upload');
    const first = await runCli(['project', 'sync', '--project', 'energy']);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ project: 'energy', added: 1 });
    const second = await runCli(['project', 'sync', '--project', 'energy']);
    expect(JSON.parse(second.stdout)).toEqual({ project: 'energy', added: 0 });
    const [p] = await t.handle.db.select().from(projects).where(eq(projects.slug, 'energy'));
    const items = await t.handle.db.select({ clipId: projectItems.clipId }).from(projectItems).where(eq(projectItems.projectId, p.id));
    expect(items.map((i) => i.clipId).sort()).toEqual([ids[0], ids[1], late].sort());

    const mood = await runCli(['project', 'sync', '--project', 'mood']);
    expect(mood.code).toBe(0);
    expect(mood.stderr).toContain('nothing to sync');
    const unknown = await runCli(['project', 'sync', '--project', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no project "nope"');
  });
});
