import { createHash } from 'node:crypto';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { z } from 'zod';
import type { DbOrTx } from '@/db/client';
import { csvLine, type CsvValue } from '@/lib/export/csv-safe';
import { badRequest } from '@/lib/errors';
import { requireProject, type ProjectCaller, type ProjectRow } from './access';
import { readAnswers } from './items-repo';
import { readScorePage } from './scores-repo';
import type { ProjectScore } from './schemas';

/**
 * Download of a valence–arousal or pairwise project (GET /api/projects/[slug]/export, `chorus
 * project-data export`): the stored fit, one row per clip, or the raw answers, as JSON Lines, CSV
 * (formula-injection safe, lib/export/csv-safe.ts) or Parquet (hyparquet-writer, as the dataset
 * snapshots). Streamed: scores are read a page at a time and each page is encoded and sent
 * before the next is read.
 */

export const PROJECT_EXPORT_FORMATS = ['jsonl', 'csv', 'parquet'] as const;
export type ProjectExportFormat = (typeof PROJECT_EXPORT_FORMATS)[number];

export const ProjectExportQuerySchema = z
  .object({
    format: z.enum(PROJECT_EXPORT_FORMATS).default('jsonl'),
    /** scores: the aggregate per clip (default); answers: every stored answer, annotators pseudonymised. */
    what: z.enum(['scores', 'answers']).default('scores'),
  })
  .strict();
export type ProjectExportQuery = z.infer<typeof ProjectExportQuerySchema>;

type Value = string | number | null;
interface Column<R> {
  name: string;
  type: 'text' | 'double' | 'int';
  get(row: R): Value;
}

const text = <R>(name: string, get: (r: R) => string | null): Column<R> => ({ name, type: 'text', get });
const double = <R>(name: string, get: (r: R) => number | null): Column<R> => ({ name, type: 'double', get });
const int = <R>(name: string, get: (r: R) => number | null): Column<R> => ({ name, type: 'int', get });

const CLIP_COLUMNS: Column<ProjectScore>[] = [
  text('clip_id', (s) => s.clipId),
  text('sha256', (s) => s.sha256),
  text('title', (s) => s.title),
  text('artist', (s) => s.artist),
];

/** The score columns of each question type (README "Projects and question types"). */
export const SCORE_COLUMNS: Record<'valence_arousal' | 'pairwise', Column<ProjectScore>[]> = {
  valence_arousal: [
    ...CLIP_COLUMNS,
    double('valence', (s) => s.valence),
    double('valence_sd', (s) => s.valenceSd),
    double('arousal', (s) => s.arousal),
    double('arousal_sd', (s) => s.arousalSd),
    int('ratings', (s) => s.answerCount),
  ],
  pairwise: [
    ...CLIP_COLUMNS,
    int('rank', (s) => s.rank),
    double('score', (s) => s.score),
    double('score_sd', (s) => s.scoreSd),
    int('comparisons', (s) => s.answerCount),
  ],
};

interface AnswerRow {
  annotator: string;
  clipId: string;
  clipBId: string | null;
  valence: number | null;
  arousal: number | null;
  choice: string | null;
  createdAt: string;
}

export const ANSWER_COLUMNS: Record<'valence_arousal' | 'pairwise', Column<AnswerRow>[]> = {
  valence_arousal: [
    text('annotator', (a) => a.annotator),
    text('clip_id', (a) => a.clipId),
    double('valence', (a) => a.valence),
    double('arousal', (a) => a.arousal),
    text('created_at', (a) => a.createdAt),
  ],
  pairwise: [
    text('annotator', (a) => a.annotator),
    text('clip_id', (a) => a.clipId),
    text('clip_b_id', (a) => a.clipBId),
    // 'a' = clip_id is more <attribute>, 'b' = clip_b_id is, 'same'.
    text('choice', (a) => a.choice),
    text('created_at', (a) => a.createdAt),
  ],
};

/**
 * A contributor's name in an export: stable within the project (the same person is the same
 * annotator in every export of it, so answers can be refitted and joined), different between
 * projects, and not their account id, name or email.
 */
export function pseudonymFor(projectId: string, userId: string): string {
  return `annotator-${createHash('sha256').update(`${projectId}:${userId}`).digest('hex').slice(0, 12)}`;
}

/** Rows per page read from the database and per Parquet row group. */
const PAGE = 1000;

async function* scorePages(db: DbOrTx, projectId: string): AsyncGenerator<ProjectScore[]> {
  let after: string | null = null;
  for (;;) {
    const page = await readScorePage(db, projectId, after, PAGE);
    if (page.length > 0) yield page;
    if (page.length < PAGE) return;
    after = page[page.length - 1].clipId;
  }
}

async function* answerPages(db: DbOrTx, project: ProjectRow): AsyncGenerator<AnswerRow[]> {
  // A contributor's answers are bounded (one per clip or pair), and the fit reads them whole too.
  const rows = (await readAnswers(db, project.id)).map((a) => ({
    annotator: pseudonymFor(project.id, a.userId),
    clipId: a.clipId,
    clipBId: a.clipBId,
    valence: a.valence,
    arousal: a.arousal,
    choice: a.choice,
    createdAt: a.createdAt.toISOString(),
  }));
  for (let i = 0; i < rows.length; i += PAGE) yield rows.slice(i, i + PAGE);
}

type ParquetSchema = ConstructorParameters<typeof ParquetWriter>[0]['schema'];
type ParquetColumn = Parameters<ParquetWriter['write']>[0]['columnData'][number];

function parquetSchema<R>(columns: readonly Column<R>[]): ParquetSchema {
  return [
    { name: 'schema', num_children: columns.length },
    ...columns.map((c) =>
      c.type === 'text'
        ? ({ name: c.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' } as const)
        : ({ name: c.name, type: c.type === 'int' ? 'INT32' : 'DOUBLE', repetition_type: 'OPTIONAL' } as const),
    ),
  ];
}

/** A ByteWriter whose bytes are taken out after each row group (the stream sends them). */
class TakeByteWriter extends ByteWriter {
  take(): Uint8Array {
    const chunk = new Uint8Array(this.buffer.slice(0, this.index));
    this.index = 0;
    return chunk;
  }
}

/** Encode pages of rows as a byte stream in one format; a page is read only when the consumer pulls. */
export function encodeRows<R>(
  format: ProjectExportFormat,
  columns: readonly Column<R>[],
  pages: AsyncGenerator<R[]>,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const bytes = format === 'parquet' ? new TakeByteWriter(1 << 16) : null;
  const parquet = bytes
    ? new ParquetWriter({ writer: bytes, schema: parquetSchema(columns), createdBy: 'chorus project export (hyparquet-writer)' })
    : null;
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started && format === 'csv') controller.enqueue(encoder.encode(csvLine(columns.map((c) => c.name))));
      started = true;
      const next = await pages.next();
      if (next.done) {
        if (parquet && bytes) {
          parquet.finish();
          controller.enqueue(bytes.take());
        }
        return controller.close();
      }
      const page = next.value;
      if (parquet && bytes) {
        const columnData = columns.map((c) => ({ name: c.name, data: page.map((r) => c.get(r)) }) as ParquetColumn);
        await parquet.write({ columnData, rowGroupSize: page.length });
        controller.enqueue(bytes.take());
      } else if (format === 'csv') {
        controller.enqueue(encoder.encode(page.map((r) => csvLine(columns.map((c) => c.get(r) as CsvValue))).join('')));
      } else {
        const lines = page.map((r) => JSON.stringify(Object.fromEntries(columns.map((c) => [c.name, c.get(r)]))) + '\n');
        controller.enqueue(encoder.encode(lines.join('')));
      }
    },
    async cancel() {
      await pages.return(undefined);
    },
  });
}

const CONTENT_TYPES: Record<ProjectExportFormat, string> = {
  jsonl: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
};

/**
 * A project's export for the caller (need export: engineers and admins of the project; 404 for a
 * project not theirs). The tags project exports through the dataset snapshots instead (400).
 */
export async function projectExport(
  db: DbOrTx,
  caller: ProjectCaller,
  slug: string,
  query: ProjectExportQuery,
  now = new Date(),
): Promise<{ body: ReadableStream<Uint8Array>; filename: string; contentType: string }> {
  const { project } = await requireProject(db, caller, slug, 'export');
  if (project.questionType === 'tags')
    throw badRequest(`"${project.slug}" is the tags project: export it as a dataset snapshot (/datasets, chorus export)`);
  const type = project.questionType;
  const body =
    query.what === 'answers'
      ? encodeRows(query.format, ANSWER_COLUMNS[type], answerPages(db, project))
      : encodeRows(query.format, SCORE_COLUMNS[type], scorePages(db, project.id));
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  return {
    body,
    filename: `chorus-${project.slug}-${query.what}-${stamp}.${query.format}`,
    contentType: CONTENT_TYPES[query.format],
  };
}
