import type { Db, DbOrTx } from '@/db/client';
import { recordAudit } from '@/lib/audit/repo';
import { AppError } from '@/lib/errors';
import { assertKnownTags, getActiveTaxonomy } from '@/lib/taxonomy/repo';
import type { Taxonomy } from '@/lib/taxonomy/schemas';
import { formatGoldCsv, parseGoldCsv } from './csv';
import { allGoldForExport, deleteGold, getGold, listPromotable, resolveClipRefs, upsertGold } from './repo';
import type { GoldAnswer, GoldAnswerInput, GoldPromoteInput, GoldPromoteResult } from './schemas';

/**
 * Authoring gold (issue 15, item 1): by an expert on the review screen, in bulk from
 * expert-resolved clips, or from a CSV. Every change is one audit row (`gold.mark`,
 * `gold.unmark`, `gold.promote`, `gold.import`; entity `clip`) written in the change's transaction.
 * Answers are written under the active taxonomy version; their tags must exist in it.
 */

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));
const sameAnswer = (a: GoldAnswer | undefined, b: GoldAnswer) =>
  !!a && a.taxonomyVersion === b.taxonomyVersion && sameSet(a.tags, b.tags) && sameSet(a.tolerated, b.tolerated);

/** Writes one answer (and its audit row) unless the clip already has exactly it; true when written. */
async function writeGold(tx: DbOrTx, actorId: string | null, action: string, gold: GoldAnswer): Promise<boolean> {
  const before = await getGold(tx, gold.clipId);
  if (sameAnswer(before, gold)) return false;
  await upsertGold(tx, gold, actorId);
  await recordAudit(tx, { actorId, action, entity: 'clip', entityId: gold.clipId, before: before ?? null, after: gold });
  return true;
}

function answerFor(taxonomy: Taxonomy, clipId: string, tags: readonly string[], tolerated: readonly string[]): GoldAnswer {
  assertKnownTags(taxonomy, [...tags, ...tolerated]);
  return { clipId, taxonomyVersion: taxonomy.version, tags: [...new Set(tags)], tolerated: [...new Set(tolerated)] };
}

/** Marks a clip as gold with its answer (or replaces its answer); idempotent. 404 for an unknown clip, 422 for an unknown tag. */
export async function markGold(
  db: Db,
  actorId: string | null,
  input: GoldAnswerInput,
): Promise<{ gold: GoldAnswer; changed: boolean }> {
  const gold = answerFor(await getActiveTaxonomy(db), input.clipId, input.tags, input.tolerated);
  if (!(await resolveClipRefs(db, [input.clipId])).has(input.clipId)) throw new AppError('NOT_FOUND', `No clip ${input.clipId}`);
  const changed = await db.transaction((tx) => writeGold(tx, actorId, 'gold.mark', gold));
  return { gold, changed };
}

/** Takes a clip out of gold. Its answers stay, now as ordinary votes. 404 when it was not gold. */
export async function unmarkGold(db: Db, actorId: string | null, clipId: string): Promise<GoldAnswer> {
  return db.transaction(async (tx) => {
    const before = await deleteGold(tx, clipId);
    if (!before) throw new AppError('NOT_FOUND', `Clip ${clipId} is not gold`);
    await recordAudit(tx, { actorId, action: 'gold.unmark', entity: 'clip', entityId: clipId, before, after: null });
    return before;
  });
}

/**
 * Promotes expert-resolved clips to gold, each with its latest expert decision as the answer
 * (nothing tolerated: an expert can add tolerated moods per clip afterwards). With `clipIds`,
 * those clips, and a reason for each that cannot be promoted; without, every candidate.
 */
export async function promoteResolved(db: Db, actorId: string | null, input: GoldPromoteInput): Promise<GoldPromoteResult> {
  const taxonomy = await getActiveTaxonomy(db);
  const candidates = await listPromotable(db, taxonomy.version, {
    limit: input.clipIds?.length ?? 100_000,
    clipIds: input.clipIds,
  });
  const eligible = new Set(candidates.map((c) => c.clipId));
  const refused = (input.clipIds ?? [])
    .filter((id) => !eligible.has(id))
    .map((clipId) => ({
      clipId,
      reason: 'not an expert-resolved clip with a decision naming a mood under the active taxonomy, or already gold',
    }));
  const promoted: string[] = [];
  await db.transaction(async (tx) => {
    for (const c of candidates) {
      if (await writeGold(tx, actorId, 'gold.promote', answerFor(taxonomy, c.clipId, c.tags, []))) promoted.push(c.clipId);
    }
  });
  return { promoted, refused };
}

export interface GoldImportResult {
  /** Rows that made a clip gold or changed its answer, and rows that matched what was there. */
  written: number;
  unchanged: number;
}

/**
 * Imports a gold CSV (lib/gold/csv.ts) all or nothing: every row is checked first — the file's
 * shape, the clip (by id or sha256) exists, the tags exist in the active taxonomy, no clip twice —
 * and any problem throws a 422 listing each bad row by line, before anything is written.
 * Idempotent: importing the same file twice writes nothing the second time.
 */
export async function importGoldCsv(db: Db, actorId: string | null, text: string): Promise<GoldImportResult> {
  const parsed = parseGoldCsv(text);
  if (parsed.problems.length > 0) throw importError(parsed.problems);
  const taxonomy = await getActiveTaxonomy(db);
  const ids = await resolveClipRefs(
    db,
    parsed.rows.map((r) => r.clip),
  );
  const problems: string[] = [];
  const byClip = new Map<string, number>();
  const answers: GoldAnswer[] = [];
  for (const row of parsed.rows) {
    const clipId = ids.get(row.clip);
    if (!clipId) {
      problems.push(`line ${row.line}: no clip with id or sha256 ${row.clip}`);
      continue;
    }
    const earlier = byClip.get(clipId);
    if (earlier) {
      problems.push(`line ${row.line}: clip ${row.clip} is the same clip as on line ${earlier}`);
      continue;
    }
    byClip.set(clipId, row.line);
    try {
      answers.push(answerFor(taxonomy, clipId, row.tags, row.tolerated));
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      problems.push(`line ${row.line} (${row.clip}): ${err.message}`);
    }
  }
  if (problems.length > 0) throw importError(problems);
  let written = 0;
  await db.transaction(async (tx) => {
    for (const gold of answers) if (await writeGold(tx, actorId, 'gold.import', gold)) written++;
  });
  return { written, unchanged: answers.length - written };
}

function importError(problems: string[]): AppError {
  return new AppError(
    'UNPROCESSABLE',
    `The gold file has ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was imported:\n${problems.join('\n')}`,
    {
      problems,
    },
  );
}

/** Every gold answer as the import reads it back, clips referenced by sha256 (portable between installations). */
export async function exportGoldCsv(db: DbOrTx): Promise<{ csv: string; rows: number }> {
  const rows = await allGoldForExport(db);
  return { csv: formatGoldCsv(rows.map((r) => ({ clip: r.sha256, tags: r.tags, tolerated: r.tolerated }))), rows: rows.length };
}
