import Link from 'next/link';
import { getDb } from '@/db';
import { requirePageRole } from '@/lib/auth/server';
import { listProjectsFor } from '@/lib/projects/service';
import { labelHref, mayReview, questionInWords } from '@/components/projects/project-admin-words';

export const dynamic = 'force-dynamic';

/** Every signed-in user's projects: the open default project and those they are a member of. */
export default async function ProjectsPage() {
  const user = await requirePageRole([], '/projects');
  const projects = await listProjectsFor(await getDb(), user);
  return (
    <div className="stack" data-testid="projects-page">
      <section className="panel stack">
        <h1 style={{ margin: 0 }}>Projects</h1>
        <p className="muted" style={{ margin: 0 }}>
          Each project asks one question about a set of clips. Pick one to label{user.role === 'contributor' ? '' : ' or to see its results'}.
        </p>
        {user.role === 'admin' && (
          <div className="row">
            <Link href="/admin/projects">Create projects and manage their members</Link>
          </div>
        )}
      </section>
      {projects.length === 0 ? (
        <p className="panel muted">You are not in any project yet; an admin adds you to one.</p>
      ) : (
        <ul
          aria-label="Your projects"
          style={{ listStyle: 'none', margin: 0, padding: 0, display: 'grid', gap: 'var(--space-4)', gridTemplateColumns: 'repeat(auto-fill, minmax(min(100%, 18rem), 1fr))' }}
        >
          {projects.map((p) => {
            const heading = `project-${p.slug}`;
            return (
              <li key={p.id} className="panel stack" style={{ margin: 0 }} data-project={p.slug}>
                <h2 id={heading} style={{ margin: 0, fontSize: 'var(--font-lg)' }}>
                  {p.name}
                </h2>
                <p style={{ margin: 0 }}>{questionInWords(p)}</p>
                {p.description && (
                  <p className="muted" style={{ margin: 0 }}>
                    {p.description}
                  </p>
                )}
                <dl className="row" style={{ margin: 0, gap: 'var(--space-2) var(--space-4)' }}>
                  <div>
                    <dt className="muted" style={{ display: 'inline' }}>Clips </dt>
                    <dd style={{ display: 'inline', margin: 0 }}>{p.itemCount}</dd>
                  </div>
                  <div>
                    <dt className="muted" style={{ display: 'inline' }}>Answers </dt>
                    <dd style={{ display: 'inline', margin: 0 }}>{p.answerCount}</dd>
                  </div>
                  <div>
                    <dt className="muted" style={{ display: 'inline' }}>Your role </dt>
                    <dd style={{ display: 'inline', margin: 0 }}>{p.myRole}</dd>
                  </div>
                </dl>
                <div className="row" style={{ marginTop: 'auto' }}>
                  <Link className="button" href={labelHref(p)} aria-describedby={heading}>
                    Label
                  </Link>
                  {p.questionType !== 'tags' && mayReview(p.myRole) && (
                    <Link className="button secondary" href={`/p/${p.slug}/results`} aria-describedby={heading}>
                      Results
                    </Link>
                  )}
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
