import { notFound, redirect } from 'next/navigation';
import { getDb } from '@/db';
import { ProjectLabeler } from '@/components/projects/project-labeler';
import { requirePageRole } from '@/lib/auth/server';
import { AppError } from '@/lib/errors';
import { requireProject } from '@/lib/projects/access';
import { SlugParamSchema } from '@/lib/projects/schemas';

export const dynamic = 'force-dynamic';

/**
 * A project's labeling screen. The project goes through requireProject like every project route:
 * one that is not the caller's is a plain 404, the same page as a slug that does not exist. The
 * default tags project has its own screen, /label.
 */
export default async function ProjectLabelPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const user = await requirePageRole([], `/p/${encodeURIComponent(slug)}`);
  if (!SlugParamSchema.safeParse(slug).success) notFound();
  let project;
  try {
    ({ project } = await requireProject(await getDb(), user, slug, 'contribute'));
  } catch (err) {
    if (err instanceof AppError && err.code === 'NOT_FOUND') notFound();
    if (err instanceof AppError && err.code === 'FORBIDDEN') redirect('/forbidden');
    throw err;
  }
  if (project.questionType === 'tags') redirect('/label');

  const pairwise = project.questionType === 'pairwise';
  const attribute = project.attribute ?? 'fitting';
  return (
    <ProjectLabeler
      slug={project.slug}
      name={project.name}
      question={pairwise ? `Which is more ${attribute}?` : 'How does this clip feel?'}
      instruction={
        pairwise
          ? `Listen to both clips, then pick the one that is more ${attribute}, or “about the same” when you cannot tell them apart.`
          : 'Listen, then set the clip’s point on the square: left to right how pleasant it feels, bottom to top how energetic.'
      }
    />
  );
}
