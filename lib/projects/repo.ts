import { and, asc, eq, inArray, isNull, ne, sql, type SQL } from 'drizzle-orm';
import { execRows, type DbOrTx } from '@/db/client';
import { clips, projectMembers, projects, users, type Role } from '@/db/schema';
import type { ClipFilter, MemberView } from './schemas';
import type { ProjectCaller, ProjectRow } from './access';

/**
 * The one module that reads and writes `projects` and `project_members`, and that fills
 * `project_items` from a project's clip filter (on creation and on sync). The queue, answers
 * and aggregates of a project are other modules' tables.
 */

export type NewProjectRow = typeof projects.$inferInsert;

export async function insertProject(db: DbOrTx, values: NewProjectRow): Promise<ProjectRow> {
  const [row] = await db.insert(projects).values(values).returning();
  return row;
}

export async function findProjectBySlug(db: DbOrTx, slug: string): Promise<ProjectRow | undefined> {
  const [row] = await db.select().from(projects).where(eq(projects.slug, slug)).limit(1);
  return row;
}

export async function findProjectById(db: DbOrTx, id: string): Promise<ProjectRow | undefined> {
  const [row] = await db.select().from(projects).where(eq(projects.id, id)).limit(1);
  return row;
}

/**
 * The catalog clips a filter selects. Failed clips (no usable audio) never; pending ones do, as
 * in the tags queue (a clip is labelable before its features are extracted, and a demo catalog
 * is pending until the extraction queued at start-up has run). Every listed criterion must hold.
 */
function filterCondition(filter: ClipFilter): SQL {
  const parts: SQL[] = [ne(clips.status, 'failed')];
  if (filter.sources?.length) parts.push(inArray(clips.source, filter.sources));
  if (filter.artists?.length) parts.push(inArray(clips.artist, filter.artists));
  if (filter.clipIds?.length) parts.push(inArray(clips.id, filter.clipIds));
  return and(...parts)!;
}

/** How many clips the filter selects now. */
export async function countMatchingClips(db: DbOrTx, filter: ClipFilter): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(clips).where(filterCondition(filter));
  return Number(row?.n ?? 0);
}

/** The ids among `ids` that name no clip of the catalog. */
export async function unknownClipIds(db: DbOrTx, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const found = await db.select({ id: clips.id }).from(clips).where(inArray(clips.id, [...ids]));
  const known = new Set(found.map((r) => r.id));
  return ids.filter((id) => !known.has(id));
}

/**
 * Adds to the project every clip its filter selects that it does not hold yet, in one statement
 * (a concurrent sync adds each clip once: the primary key and `on conflict do nothing`).
 * Returns how many were added.
 */
export async function insertMatchingItems(db: DbOrTx, projectId: string, filter: ClipFilter): Promise<number> {
  const [row] = await execRows<{ n: number }>(
    db,
    sql`with added as (
          insert into project_items (project_id, clip_id)
          select ${projectId}::uuid, clips.id from clips where ${filterCondition(filter)}
          on conflict do nothing
          returning 1
        )
        select count(*)::int as n from added`,
  );
  return Number(row?.n ?? 0);
}

export interface ProjectListRow extends ProjectRow {
  /** The caller's role: installation admins are admin everywhere, open projects take the installation role. */
  myRole: Role;
  itemCount: number;
  answerCount: number;
}

interface RawListRow {
  id: string;
  slug: string;
  name: string;
  description: string;
  question_type: ProjectRow['questionType'];
  attribute: string | null;
  clip_filter: Record<string, unknown> | string;
  settings: Record<string, unknown> | string;
  open_to_all: boolean;
  created_at: Date | string;
  archived_at: Date | string | null;
  member_role: Role | null;
  item_count: number;
  answer_count: number;
}

const json = (v: Record<string, unknown> | string) => (typeof v === 'string' ? (JSON.parse(v) as Record<string, unknown>) : v);

/**
 * The projects a caller may see (not archived), with their role and counts, oldest first (the
 * default project leads). An installation admin sees every project; anyone else the open ones and
 * those they are a member of. A tags project counts the catalog and its votes (its queue lives
 * on `clips`); the others count their items and stored answers.
 */
export async function listProjectsFor(db: DbOrTx, caller: ProjectCaller, slug?: string): Promise<ProjectListRow[]> {
  const isAdmin = caller.role === 'admin';
  const rows = await execRows<RawListRow>(
    db,
    sql`select p.*, m.role as member_role,
          case when p.question_type = 'tags'
            then (select count(*)::int from clips c where c.status <> 'failed')
            else (select count(*)::int from project_items i where i.project_id = p.id) end as item_count,
          case when p.question_type = 'tags'
            then (select coalesce(sum(c.vote_count), 0)::int from clips c)
            else (select count(*)::int from project_answers a where a.project_id = p.id) end as answer_count
        from projects p
        left join project_members m on m.project_id = p.id and m.user_id = ${caller.id || null}::uuid
        where p.archived_at is null
          and (${isAdmin}::boolean or p.open_to_all or m.user_id is not null)
          ${slug === undefined ? sql`` : sql`and p.slug = ${slug}`}
        order by p.created_at, p.slug`,
  );
  return rows.map((r) => ({
    id: r.id,
    slug: r.slug,
    name: r.name,
    description: r.description,
    questionType: r.question_type,
    attribute: r.attribute,
    clipFilter: json(r.clip_filter),
    settings: json(r.settings),
    openToAll: r.open_to_all,
    createdAt: new Date(r.created_at),
    archivedAt: r.archived_at === null ? null : new Date(r.archived_at),
    myRole: isAdmin ? 'admin' : r.open_to_all ? caller.role : (r.member_role ?? caller.role),
    itemCount: Number(r.item_count),
    answerCount: Number(r.answer_count),
  }));
}

/** Every project that is not archived (the CLI's list, which runs as the installation). */
export async function listActiveProjects(db: DbOrTx): Promise<ProjectRow[]> {
  return db.select().from(projects).where(isNull(projects.archivedAt)).orderBy(asc(projects.createdAt), asc(projects.slug));
}

/** Adds a member or changes their role; returns the role they had before (null when new). */
export async function upsertMember(db: DbOrTx, projectId: string, userId: string, role: Role): Promise<Role | null> {
  const [before] = await db
    .select({ role: projectMembers.role })
    .from(projectMembers)
    .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId)))
    .limit(1);
  await db
    .insert(projectMembers)
    .values({ projectId, userId, role })
    .onConflictDoUpdate({ target: [projectMembers.projectId, projectMembers.userId], set: { role } });
  return before?.role ?? null;
}

/** Removes a member; returns the role they had, or null when they were not one. */
export async function deleteMember(db: DbOrTx, projectId: string, userId: string): Promise<Role | null> {
  const [gone] = await db
    .delete(projectMembers)
    .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId)))
    .returning({ role: projectMembers.role });
  return gone?.role ?? null;
}

export async function listMembers(db: DbOrTx, projectId: string): Promise<MemberView[]> {
  return db
    .select({ userId: users.id, email: users.email, name: users.name, role: projectMembers.role })
    .from(projectMembers)
    .innerJoin(users, eq(users.id, projectMembers.userId))
    .where(eq(projectMembers.projectId, projectId))
    .orderBy(asc(users.email));
}

export interface FilterChoice {
  value: string;
  clips: number;
}

/**
 * What the create form offers as a clip filter: each source and each artist with its usable
 * clips, most clips first (artists capped: a form lists a few hundred, not a whole catalog).
 */
export async function clipFilterChoices(db: DbOrTx, artistLimit = 300): Promise<{ sources: FilterChoice[]; artists: FilterChoice[] }> {
  const usable = ne(clips.status, 'failed');
  const count = sql<number>`count(*)::int`;
  const [sources, artists] = await Promise.all([
    db.select({ value: clips.source, clips: count }).from(clips).where(usable).groupBy(clips.source).orderBy(sql`2 desc`, clips.source),
    db
      .select({ value: clips.artist, clips: count })
      .from(clips)
      .where(and(usable, ne(clips.artist, '')))
      .groupBy(clips.artist)
      .orderBy(sql`2 desc`, clips.artist)
      .limit(artistLimit),
  ]);
  return { sources: sources.map((s) => ({ ...s, clips: Number(s.clips) })), artists: artists.map((a) => ({ ...a, clips: Number(a.clips) })) };
}
