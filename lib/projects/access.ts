import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '@/db';
import { projectMembers, projects, type Role } from '@/db/schema';
import { AppError, notFound } from '@/lib/errors';

export type ProjectRow = typeof projects.$inferSelect;

/** Who asks: the installation-level identity (lib/auth/principal.ts `Principal` satisfies it). */
export interface ProjectCaller {
  id: string;
  role: Role;
}

/**
 * What a caller may do in one project. `contribute`: answer its questions; `review`: see its
 * aggregates and contributors (experts, engineers); `export`: download its data (engineers);
 * `manage`: change members and settings (the project's admins).
 */
export type ProjectNeed = 'contribute' | 'review' | 'export' | 'manage';

const ROLES_FOR: Record<ProjectNeed, readonly Role[]> = {
  contribute: ['contributor', 'expert', 'engineer', 'admin'],
  review: ['expert', 'engineer', 'admin'],
  export: ['engineer', 'admin'],
  manage: ['admin'],
};

/** The caller's role in the project, or null when the project is not theirs to see. */
export async function projectRoleOf(db: DbOrTx, caller: ProjectCaller, project: ProjectRow): Promise<Role | null> {
  // An installation admin administers every project; an open project takes everyone at their installation role.
  if (caller.role === 'admin') return 'admin';
  if (project.openToAll) return caller.role;
  const [member] = await db
    .select({ role: projectMembers.role })
    .from(projectMembers)
    .where(and(eq(projectMembers.projectId, project.id), eq(projectMembers.userId, caller.id)))
    .limit(1);
  return member?.role ?? null;
}

/**
 * The project behind a slug, checked for the caller. A project the caller is not a member of
 * answers 404 exactly as a missing one does, so slugs of other teams' projects do not leak; a
 * member without the role for `need` gets 403. Archived projects are not found.
 */
export async function requireProject(
  db: DbOrTx,
  caller: ProjectCaller,
  slug: string,
  need: ProjectNeed,
): Promise<{ project: ProjectRow; role: Role }> {
  const [project] = await db.select().from(projects).where(eq(projects.slug, slug)).limit(1);
  const role = project && !project.archivedAt ? await projectRoleOf(db, caller, project) : null;
  if (!project || !role) throw notFound(`no project "${slug}"`);
  if (!ROLES_FOR[need].includes(role)) {
    throw new AppError('FORBIDDEN', `your role in "${slug}" (${role}) may not ${need} here`);
  }
  return { project, role };
}
