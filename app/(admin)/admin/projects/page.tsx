import Link from 'next/link';
import { getDb } from '@/db';
import { requirePageRole } from '@/lib/auth/server';
import { clipFilterChoices } from '@/lib/projects/repo';
import { listProjectsFor } from '@/lib/projects/service';
import { ProjectAdmin } from '@/components/projects/project-admin';

export const dynamic = 'force-dynamic';

/** Projects (issue 18): the installation admin creates them over a clip filter and manages their members. */
export default async function AdminProjectsPage() {
  const user = await requirePageRole(['admin'], '/admin/projects');
  const db = await getDb();
  const [projects, choices] = await Promise.all([listProjectsFor(db, user), clipFilterChoices(db)]);
  return (
    <div className="stack">
      <h1 style={{ margin: 0 }}>Projects</h1>
      <p className="muted" style={{ margin: 0 }}>
        A project asks one question — a valence–arousal rating or a pairwise comparison — about the clips its filter selects;
        clips uploaded later join within a minute when they match. Only its members work in it, each with a role
        there; the default <Link href="/label">mood tags</Link> project is open to everyone. Contributors find theirs under{' '}
        <Link href="/projects">Projects</Link>.
      </p>
      <ProjectAdmin initialProjects={projects} sources={choices.sources} artists={choices.artists} />
    </div>
  );
}
