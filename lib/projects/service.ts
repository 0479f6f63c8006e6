import type { Db, DbOrTx } from '@/db/client';
import { recordAudit } from '@/lib/audit/repo';
import { findUserByEmail, findUserById } from '@/lib/auth/repo';
import { badRequest, conflict, notFound } from '@/lib/errors';
import { isUniqueViolation } from '@/lib/queue/repo';
import { requireProject, type ProjectCaller } from './access';
import {
  deleteMember,
  findProjectById,
  findProjectBySlug,
  insertMatchingItems,
  insertProject,
  listActiveProjects,
  listMembers as listMemberRows,
  listProjectsFor as listProjectRows,
  unknownClipIds,
  upsertMember,
  type ProjectListRow,
} from './repo';
import {
  AddMemberSchema,
  ClipFilterSchema,
  CreateProjectSchema,
  ProjectSettingsSchema,
  type ClipFilter,
  type MemberView,
  type ProjectView,
} from './schemas';

/**
 * Projects and their members (issue 18): creation from a clip filter, the caller's list, members
 * by email. Every change is audited in the same transaction as the change.
 */

function toView(row: ProjectListRow): ProjectView {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    questionType: row.questionType,
    attribute: row.attribute,
    clipFilter: ClipFilterSchema.parse(row.clipFilter),
    // The default project was stored with `{}`: its settings are the defaults.
    settings: ProjectSettingsSchema.parse(row.settings),
    openToAll: row.openToAll,
    myRole: row.myRole,
    itemCount: row.itemCount,
    answerCount: row.answerCount,
    createdAt: row.createdAt.toISOString(),
  };
}

/** The filter as stored: empty lists dropped (an empty list would read as "no criterion" anyway). */
function normalizeFilter(filter: ClipFilter): ClipFilter {
  const out: ClipFilter = {};
  if (filter.sources?.length) out.sources = [...new Set(filter.sources)];
  if (filter.artists?.length) out.artists = [...new Set(filter.artists)];
  if (filter.clipIds?.length) out.clipIds = [...new Set(filter.clipIds.map((id) => id.toLowerCase()))];
  return out;
}

/**
 * Creates a valence–arousal or pairwise project with the clips its filter selects now, in one
 * transaction: a taken slug (409), an unknown clip id or a filter that selects nothing (400)
 * writes nothing. `actorId` null = the CLI (the installation itself).
 */
export async function createProject(db: Db, actorId: string | null, input: unknown): Promise<ProjectView> {
  const parsed = CreateProjectSchema.parse(input);
  const clipFilter = normalizeFilter(parsed.clipFilter);
  const created = await db
    .transaction(async (tx) => {
      if (await findProjectBySlug(tx, parsed.slug)) throw slugTaken(parsed.slug);
      const unknown = await unknownClipIds(tx, clipFilter.clipIds ?? []);
      if (unknown.length > 0) {
        const shown = unknown.slice(0, 5).join(', ') + (unknown.length > 5 ? ` and ${unknown.length - 5} more` : '');
        throw badRequest(`clipFilter.clipIds: no clip with the id ${shown}`, { unknownClipIds: unknown });
      }
      const project = await insertProject(tx, {
        slug: parsed.slug,
        name: parsed.name,
        description: parsed.description,
        questionType: parsed.questionType,
        // Only a comparison has an attribute ("which is more …?"); a rating asks about the circumplex.
        attribute: parsed.questionType === 'pairwise' ? (parsed.attribute ?? null) : null,
        clipFilter,
        settings: parsed.settings,
        openToAll: false,
      });
      const items = await insertMatchingItems(tx, project.id, clipFilter);
      if (items === 0) throw badRequest('clipFilter: the filter selects no clip (failed clips are never selected)');
      if (parsed.questionType === 'pairwise' && items < 2) {
        throw badRequest(`clipFilter: a pairwise project compares two clips; the filter selects only ${items}`);
      }
      await recordAudit(tx, {
        actorId,
        action: 'project.create',
        entity: 'project',
        entityId: project.id,
        after: { slug: project.slug, name: project.name, questionType: project.questionType, attribute: project.attribute, clipFilter, settings: parsed.settings, items },
      });
      return project;
    })
    .catch((err: unknown) => {
      // Two admins creating the same slug at once: the unique index answers for the second.
      throw isUniqueViolation(err) ? slugTaken(parsed.slug) : err;
    });
  // The creator's view: created projects are visible to installation admins (and the CLI) at once.
  const [row] = await listProjectRows(db, { id: actorId ?? '', role: 'admin' }, created.slug);
  return toView(row);
}

const slugTaken = (slug: string) => conflict(`a project with the slug "${slug}" already exists; choose another slug`);

/**
 * Adds to a project the clips its filter selects now and it does not hold yet (clips ingested
 * since it was created). Idempotent; returns how many were added. A tags project takes the whole
 * catalog through `clips` itself and has no items to sync: 0.
 */
export async function syncProjectItems(db: DbOrTx, projectId: string): Promise<number> {
  const project = await findProjectById(db, projectId);
  if (!project) throw notFound(`no project with the id ${projectId}`);
  if (project.questionType === 'tags') return 0;
  return insertMatchingItems(db, project.id, normalizeFilter(ClipFilterSchema.parse(project.clipFilter)));
}

/**
 * Brings every active rating and pairwise project up to date with the catalog (clips uploaded or
 * imported since it was created); the scheduled aggregate-projects run calls it each minute, so a
 * new clip that matches a project's filter joins its queue within a minute. Returns clips added.
 */
export async function syncAllProjectItems(db: DbOrTx): Promise<number> {
  let added = 0;
  for (const project of await listActiveProjects(db)) {
    if (project.questionType === 'tags') continue;
    added += await insertMatchingItems(db, project.id, normalizeFilter(ClipFilterSchema.parse(project.clipFilter)));
  }
  return added;
}

/** The caller's projects: all of them for an installation admin, else the open ones and their memberships. */
export async function listProjectsFor(db: DbOrTx, caller: ProjectCaller): Promise<ProjectView[]> {
  return (await listProjectRows(db, caller)).map(toView);
}

/** One project as the caller sees it (need contribute: 404 when it is not theirs). */
export async function getProjectView(db: DbOrTx, caller: ProjectCaller, slug: string): Promise<ProjectView> {
  await requireProject(db, caller, slug, 'contribute');
  const [row] = await listProjectRows(db, caller, slug);
  return toView(row);
}

export async function listMembers(db: DbOrTx, caller: ProjectCaller, slug: string): Promise<MemberView[]> {
  const { project } = await requireProject(db, caller, slug, 'manage');
  return listMemberRows(db, project.id);
}

/**
 * Adds a user (by email) to a project with a role there, or changes the role of a member.
 * `caller` null = the CLI. An open project takes everyone at their installation role, so a
 * member list there would mean nothing: refused.
 */
export async function addMember(
  db: Db,
  caller: ProjectCaller | null,
  slug: string,
  input: unknown,
): Promise<{ member: MemberView; created: boolean }> {
  const { email, role } = AddMemberSchema.parse(input);
  return db.transaction(async (tx) => {
    const project = await projectToManage(tx, caller, slug);
    const user = await findUserByEmail(tx, email);
    if (!user) throw notFound(`no user with the email "${email}"; create the account first (Admin → Users and roles)`);
    const before = await upsertMember(tx, project.id, user.id, role);
    await recordAudit(tx, {
      actorId: caller?.id ?? null,
      action: before === null ? 'project.member.add' : 'project.member.update',
      entity: 'project',
      entityId: project.id,
      before: before === null ? null : { userId: user.id, email: user.email, role: before },
      after: { userId: user.id, email: user.email, role },
    });
    return { member: { userId: user.id, email: user.email, name: user.name, role }, created: before === null };
  });
}

/** Takes a user out of a project (their answers stay: they are the project's data). */
export async function removeMember(db: Db, caller: ProjectCaller | null, slug: string, userId: string): Promise<void> {
  await db.transaction(async (tx) => {
    const project = await projectToManage(tx, caller, slug);
    const removed = await deleteMember(tx, project.id, userId);
    if (removed === null) {
      const user = await findUserById(tx, userId);
      throw notFound(`${user ? `"${user.email}"` : `user ${userId}`} is not a member of "${slug}"`);
    }
    await recordAudit(tx, {
      actorId: caller?.id ?? null,
      action: 'project.member.remove',
      entity: 'project',
      entityId: project.id,
      before: { userId, role: removed },
    });
  });
}

/** The project to change members of: checked for `manage` when a user asks; the CLI acts as the installation. */
async function projectToManage(tx: DbOrTx, caller: ProjectCaller | null, slug: string) {
  const project = caller
    ? (await requireProject(tx, caller, slug, 'manage')).project
    : await findProjectBySlug(tx, slug).then((p) => (p && !p.archivedAt ? p : undefined));
  if (!project) throw notFound(`no project "${slug}"`);
  if (project.openToAll) {
    throw badRequest(`"${slug}" is open to every user at their installation role; it has no member list`);
  }
  return project;
}
