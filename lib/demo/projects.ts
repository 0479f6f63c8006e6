import type { Db } from '@/db/client';
import type { Role } from '@/db/schema';
import { AppError } from '@/lib/errors';
import { findProjectBySlug, listMembers } from '@/lib/projects/repo';
import type { CreateProjectInput } from '@/lib/projects/schemas';
import { addMember, createProject, syncProjectItems } from '@/lib/projects/service';
import { demoEmail } from './seed';

/** The demo's two projects of the new question types (issue 18), over the synthesized catalog. */
const DEMO_PROJECTS: CreateProjectInput[] = [
  {
    slug: 'va-pilot',
    name: 'Valence–arousal pilot',
    description: 'Place each demo clip on the valence–arousal plane: how pleasant, how energetic.',
    questionType: 'valence_arousal',
    clipFilter: { sources: ['demo'] },
    settings: { overlap: 3, leaseMinutes: 10 },
  },
  {
    slug: 'energy',
    name: 'Energy ranking',
    description: 'Two demo clips at a time: pick the more energetic one.',
    questionType: 'pairwise',
    attribute: 'energetic',
    clipFilter: { sources: ['demo'] },
    settings: { overlap: 4, leaseMinutes: 10 },
  },
];

/** Who works in them: the demo contributor answers, the demo expert reviews. */
const DEMO_MEMBERS: { role: Role; projectRole: Role }[] = [
  { role: 'contributor', projectRole: 'contributor' },
  { role: 'expert', projectRole: 'expert' },
];

/**
 * Creates the demo projects when missing, adds demo clips that arrived since (a bigger
 * CHORUS_DEMO_CLIPS) and the demo members who are not members yet: every start may call it, and
 * a second call writes nothing (no audit row either). Run after the demo accounts exist. Returns
 * what was created or added, for the start-up log.
 */
export async function ensureDemoProjects(db: Db): Promise<string[]> {
  const done: string[] = [];
  for (const spec of DEMO_PROJECTS) {
    let project = await findProjectBySlug(db, spec.slug);
    if (!project) {
      try {
        await createProject(db, null, spec);
        done.push(`created the demo project "${spec.slug}"`);
      } catch (err) {
        // No demo clip (CHORUS_DEMO over a catalog of one's own): no demo projects. A concurrent start made it: fine.
        if (!(err instanceof AppError) || (err.code !== 'BAD_REQUEST' && err.code !== 'CONFLICT')) throw err;
      }
      project = await findProjectBySlug(db, spec.slug);
      if (!project) continue;
    } else {
      const added = await syncProjectItems(db, project.id);
      if (added > 0) done.push(`${added} demo clip${added === 1 ? '' : 's'} added to "${spec.slug}"`);
    }
    const members = new Set((await listMembers(db, project.id)).map((m) => m.email));
    for (const { role, projectRole } of DEMO_MEMBERS) {
      if (members.has(demoEmail(role))) continue;
      await addMember(db, null, spec.slug, { email: demoEmail(role), role: projectRole });
    }
  }
  return done;
}
