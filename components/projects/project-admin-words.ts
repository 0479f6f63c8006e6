import type { ProjectView } from '@/lib/projects/schemas';

/** A project's question in words, for its card and the admin list. */
export function questionInWords(p: Pick<ProjectView, 'questionType' | 'attribute'>): string {
  switch (p.questionType) {
    case 'tags':
      return 'Mood tags: which moods fit the clip';
    case 'valence_arousal':
      return 'Valence–arousal: place the clip on the plane of pleasant ↔ unpleasant and calm ↔ energetic';
    case 'pairwise':
      return `Pairwise: which of two clips is more ${p.attribute ?? '…'}?`;
  }
}

/** Where a contributor labels in the project: the default tags project is today's labeling screen. */
export function labelHref(p: Pick<ProjectView, 'questionType' | 'slug'>): string {
  return p.questionType === 'tags' ? '/label' : `/p/${p.slug}`;
}

/** Roles that may read a project's results (lib/projects/access.ts, need "review"). */
export function mayReview(role: ProjectView['myRole']): boolean {
  return role === 'expert' || role === 'engineer' || role === 'admin';
}
