import type { Db, DbOrTx } from '@/db/client';
import { recordAudit } from '@/lib/audit/repo';
import { playableClip } from '@/lib/catalog/schemas';
import { AppError } from '@/lib/errors';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { allGuidelines, exampleCandidates, getGuideline, showableExamples, upsertGuideline } from './repo';
import type { ExampleCandidate, GuidelineInput, GuidelinesResponse, TagGuidelineView } from './schemas';

/**
 * Per-tag guidelines (issue 15, item 2): experts and admins write what each mood means and pick
 * example clips; everyone signed in reads them (onboarding, the labeler's "?" help). A guideline
 * follows its tag key, so a taxonomy edit that keeps a key keeps its guideline.
 */

/** Every mood of the active taxonomy, in its order, with its guideline (empty when none was written). */
export async function listGuidelines(db: DbOrTx): Promise<GuidelinesResponse> {
  const taxonomy = await getActiveTaxonomy(db);
  const rows = new Map((await allGuidelines(db)).map((g) => [g.tagKey, g]));
  const clips = await showableExamples(
    db,
    [...rows.values()].flatMap((g) => g.exampleClipIds),
  );
  const tags: TagGuidelineView[] = taxonomy.tags.map((t) => {
    const g = rows.get(t.key);
    return {
      key: t.key,
      label: t.label,
      description: t.description,
      text: g?.text ?? '',
      examples: (g?.exampleClipIds ?? []).flatMap((id) => {
        const clip = clips.get(id);
        return clip ? [playableClip(clip)] : [];
      }),
      updatedAt: g ? g.updatedAt.toISOString() : null,
    };
  });
  return { taxonomyVersion: taxonomy.version, tags };
}

/**
 * Writes one mood's guideline (audited as `guideline.update` with before and after). 404 for a
 * tag outside the active taxonomy; 422 naming each example that cannot be shown (no such clip,
 * no audio, or a gold clip — whose answer an example would give away).
 */
export async function saveGuideline(db: Db, actorId: string, tagKey: string, input: GuidelineInput): Promise<TagGuidelineView> {
  const taxonomy = await getActiveTaxonomy(db);
  if (!taxonomy.tags.some((t) => t.key === tagKey)) throw new AppError('NOT_FOUND', `No mood "${tagKey}" in the active taxonomy`);
  const showable = await showableExamples(db, input.exampleClipIds);
  const refused = input.exampleClipIds.filter((id) => !showable.has(id));
  if (refused.length > 0) {
    throw new AppError(
      'UNPROCESSABLE',
      `These clips cannot be examples (unknown, without audio, or gold — a gold clip's answer must stay hidden): ${refused.join(', ')}`,
      { refused },
    );
  }
  await db.transaction(async (tx) => {
    const before = await getGuideline(tx, tagKey);
    await upsertGuideline(tx, { tagKey, text: input.text, exampleClipIds: input.exampleClipIds }, actorId);
    await recordAudit(tx, {
      actorId,
      action: 'guideline.update',
      entity: 'tag',
      entityId: tagKey,
      before: before ? { text: before.text, exampleClipIds: before.exampleClipIds } : null,
      after: { text: input.text, exampleClipIds: input.exampleClipIds },
    });
  });
  return (await listGuidelines(db)).tags.find((t) => t.key === tagKey)!;
}

/** Settled, non-gold clips with the mood, surest first: what an expert picks examples from. */
export async function guidelineCandidates(db: DbOrTx, tagKey: string, limit = 12): Promise<ExampleCandidate[]> {
  const taxonomy = await getActiveTaxonomy(db);
  if (!taxonomy.tags.some((t) => t.key === tagKey)) throw new AppError('NOT_FOUND', `No mood "${tagKey}" in the active taxonomy`);
  return (await exampleCandidates(db, tagKey, limit)).map((c) => ({
    ...playableClip(c),
    posterior: c.posterior,
    labelState: c.labelState,
  }));
}
