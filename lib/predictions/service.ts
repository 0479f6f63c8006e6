import type { Db, DbOrTx } from '@/db/client';
import { recordAudit } from '@/lib/audit/repo';
import { AppError } from '@/lib/errors';
import { getActiveModel } from '@/lib/model/repo';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { formatPredictionRows, meanEntropy, parsePredictions, predictionsHeader, type ExportRow } from './format';
import { importedTags, iteratePredictions, resolveClipRefs, upsertImported, type ImportedPrediction } from './repo';
import type { PredictionFormat, PredictionsExportQuery, PredictionsImportInput, PredictionsImportResult } from './schemas';

/**
 * Pre-annotations (issue 15, item 9). An import is all or nothing: the file is parsed and every
 * row checked (shape, probabilities, tags of the active taxonomy, clips that exist, no clip twice)
 * before anything is written; any problem is a 422 listing each bad row by its line. A clip's
 * imported prediction replaces its earlier one. Their mean entropy is the uncertainty signal of
 * the cold-start queue priority (lib/active/service.ts) until a trained model is active; the
 * caller's `requestRescore` (the route queues the rescore job, the CLI rescores inline) makes the
 * queue reflect them at once. Audited (`predictions.import`).
 */
export async function importPredictions(
  db: Db,
  actorId: string | null,
  input: PredictionsImportInput,
  options: { requestRescore?: () => Promise<string | null> } = {},
): Promise<PredictionsImportResult> {
  const parsed = parsePredictions(input.content, input.format);
  const taxonomy = await getActiveTaxonomy(db);
  const known = new Set(taxonomy.tags.map((t) => t.key));
  const unknown = parsed.tags.filter((t) => !known.has(t));
  const problems = [...parsed.problems];
  if (unknown.length > 0)
    problems.unshift(
      `unknown tag${unknown.length === 1 ? '' : 's'} ${unknown.map((t) => `p_${t}`).join(', ')} (not in taxonomy v${taxonomy.version}: ${[...known].join(', ')})`,
    );
  if (problems.length > 0) throw importError(problems);

  const ids = await resolveClipRefs(
    db,
    parsed.rows.map((r) => r.clip),
  );
  const byClip = new Map<string, number>();
  const rows: ImportedPrediction[] = [];
  for (const row of parsed.rows) {
    const clipId = ids.get(row.clip);
    if (!clipId) {
      problems.push(`line ${row.line}: no clip with id or sha256 ${row.clip}`);
      continue;
    }
    const earlier = byClip.get(clipId);
    if (earlier !== undefined) {
      problems.push(`line ${row.line}: clip ${row.clip} is the same clip as on line ${earlier}`);
      continue;
    }
    byClip.set(clipId, row.line);
    const tags = [...row.probs.keys()];
    const probs = [...row.probs.values()];
    rows.push({ clipId, tags, probs, uncertainty: meanEntropy(probs) });
  }
  if (problems.length > 0) throw importError(problems);

  const { created, replaced } = await db.transaction(async (tx) => {
    const counts = await upsertImported(tx, rows, {
      source: input.source,
      taxonomyVersion: taxonomy.version,
      importedBy: actorId,
    });
    await recordAudit(tx, {
      actorId,
      action: 'predictions.import',
      entity: 'predictions',
      entityId: input.source,
      after: { format: input.format, rows: rows.length, ...counts, tags: parsed.tags },
    });
    return counts;
  });
  // Before any trained model the imported uncertainty is the queue's; with one, the model's scores lead.
  const rescoreQueued = options.requestRescore && !(await getActiveModel(db)) ? (await options.requestRescore()) !== null : false;
  return { source: input.source, created, replaced, tags: parsed.tags, rescoreQueued };
}

function importError(problems: string[]): AppError {
  return new AppError(
    'UNPROCESSABLE',
    `The predictions file has ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was imported:\n${problems.join('\n')}`,
    { problems },
  );
}

export interface PredictionsExport {
  tags: string[];
  /** The active model's id, or null for the imported predictions. */
  modelId: number | null;
  /** The file's text in pieces: the header (CSV), then a piece per page of rows. */
  chunks: AsyncGenerator<string>;
}

/**
 * The active model's per-tag probabilities for every scored clip (`from: 'model'`; 404 without an
 * active model), or the imported ones (`from: 'imported'`), in the import's format — clips by
 * sha256, so the file imports into another installation.
 */
export async function exportPredictions(db: DbOrTx, query: PredictionsExportQuery): Promise<PredictionsExport> {
  let tags: string[];
  let modelId: number | null = null;
  if (query.from === 'model') {
    const model = await getActiveModel(db);
    if (!model)
      throw new AppError('NOT_FOUND', 'No model is active yet, so there are no model predictions to export (try from=imported)');
    modelId = model.id;
    tags = [...model.tagKeys];
  } else {
    tags = await importedTags(db);
  }
  return { tags, modelId, chunks: exportChunks(db, tags, modelId, query.format) };
}

async function* exportChunks(
  db: DbOrTx,
  tags: string[],
  modelId: number | null,
  format: PredictionFormat,
): AsyncGenerator<string> {
  const header = predictionsHeader(tags, format);
  if (header) yield header;
  const column = new Map(tags.map((t, j) => [t, j]));
  for await (const page of iteratePredictions(db, modelId)) {
    const rows: ExportRow[] = page.map((r) => {
      if (r.tags === null) return { clip: r.sha256, probs: r.probs };
      const probs: (number | null)[] = tags.map(() => null);
      r.tags.forEach((t, k) => {
        const j = column.get(t);
        if (j !== undefined) probs[j] = r.probs[k];
      });
      return { clip: r.sha256, probs };
    });
    yield formatPredictionRows(tags, rows, format);
  }
}
