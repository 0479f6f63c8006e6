import { parseArgs } from 'node:util';
import { getDbHandle } from '@/db';
import { env } from '@/lib/env';
import { audioStore } from '@/lib/storage';
import { UsageError, type Command } from './types';

export const importCommand: Command = {
  summary: 'Import a folder of audio files or a catalog CSV/JSONL (path,title,artist,licence,provenance)',
  usage: 'chorus import <folder|catalog.csv|catalog.jsonl> [--root DIR] [--licence L] [--source NAME] [--no-extract]',
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        root: { type: 'string' },
        licence: { type: 'string' },
        source: { type: 'string' },
        'no-extract': { type: 'boolean', default: false },
      },
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one folder or catalog file');
    const fs = await import('node:fs/promises');
    const path = await import('node:path');
    const { readCatalog } = await import('@/lib/catalog/importer');
    const { ingestAudio, titleFromName } = await import('@/lib/catalog/ingest');
    const { extractClips } = await import('@/lib/features/service');
    const { isAppError } = await import('@/lib/errors');
    const handle = await getDbHandle();
    const e = env();
    const maxBytes = e.CHORUS_MAX_UPLOAD_MB * 1e6;
    const { entries, problems } = await readCatalog(positionals[0], values.root);
    const source = values.source ?? `import:${path.basename(positionals[0])}`;
    const results: { line: number; file: string; status: string; clipId?: string | null; error?: string }[] = [];
    const fresh: string[] = [];
    for (const [i, entry] of entries.entries()) {
      io.stderr.write(`\rimporting ${i + 1}/${entries.length}`);
      try {
        const { size } = await fs.stat(entry.file);
        if (size > maxBytes) throw new Error(`${(size / 1e6).toFixed(1)} MB is over the ${e.CHORUS_MAX_UPLOAD_MB} MB limit`);
        const result = await ingestAudio(
          handle.db,
          audioStore(),
          {
            bytes: new Uint8Array(await fs.readFile(entry.file)),
            name: path.basename(entry.file),
            source,
            metadata: {
              title: entry.row.title ?? titleFromName(entry.file),
              artist: entry.row.artist ?? '',
              licence: entry.row.licence ?? values.licence ?? 'unknown',
              provenance: entry.row.provenance,
            },
          },
          { maxBytes },
        );
        results.push({ line: entry.line, file: entry.file, status: result.status, clipId: result.clipId });
        if (result.isNew && result.clipId) fresh.push(result.clipId);
      } catch (err) {
        if (!isAppError(err) && !(err instanceof Error)) throw err;
        results.push({ line: entry.line, file: entry.file, status: 'rejected', error: (err as Error).message });
      }
    }
    io.stderr.write('\n');
    let extraction: { extracted: number; failed: { clipId: string; error?: string }[] } | undefined;
    if (!values['no-extract'] && fresh.length > 0) {
      const outcomes = await extractClips(handle.db, audioStore(), fresh, {
        maxDurationS: e.CHORUS_MAX_DURATION_S,
        onProgress: async (done, total) => void io.stderr.write(`\rextracting ${done}/${total}`),
      });
      io.stderr.write('\n');
      extraction = {
        extracted: outcomes.filter((o) => o.status === 'extracted').length,
        failed: outcomes.filter((o) => o.status === 'failed').map((o) => ({ clipId: o.clipId, error: o.error })),
      };
    }
    const summary = {
      created: results.filter((r) => r.status === 'created').length,
      duplicates: results.filter((r) => r.status === 'duplicate').length,
      rejected: results.filter((r) => r.status === 'rejected'),
      problems,
      extraction,
    };
    io.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    return summary.rejected.length + problems.length + (extraction?.failed.length ?? 0) > 0 ? 1 : 0;
  },
};
