import { notFound, redirect } from 'next/navigation';
import { getDb } from '@/db';
import { ProjectResultsView } from '@/components/projects/project-results';
import { requirePageRole } from '@/lib/auth/server';
import { AppError } from '@/lib/errors';
import { getProjectResults } from '@/lib/projects/aggregation-service';
import { SlugParamSchema } from '@/lib/projects/schemas';

export const dynamic = 'force-dynamic';

/**
 * A valence–arousal or pairwise project's results (need review: its experts, engineers and
 * admins). A project that is not the caller's is the same 404 as a missing one; a contributor of
 * it is forbidden. The tags project's results are the crowd pipeline's screens (/loop).
 */
export default async function ProjectResultsPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const user = await requirePageRole([], `/p/${encodeURIComponent(slug)}/results`);
  if (!SlugParamSchema.safeParse(slug).success) notFound();
  let results;
  try {
    results = await getProjectResults(await getDb(), user, slug);
  } catch (err) {
    if (err instanceof AppError && err.code === 'NOT_FOUND') notFound();
    if (err instanceof AppError && err.code === 'FORBIDDEN') redirect('/forbidden');
    throw err;
  }
  if (results.project.questionType === 'tags') redirect('/loop');
  // Recompute and export need the 'export' level of requireProject: the project's engineers and admins.
  const canRecompute = results.project.myRole === 'engineer' || results.project.myRole === 'admin';
  return <ProjectResultsView results={results} canRecompute={canRecompute} />;
}
