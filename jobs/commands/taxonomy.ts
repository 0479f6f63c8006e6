import { parseArgs } from 'node:util';
import { getDbHandle } from '@/db';
import { UsageError, type Command } from './types';

/**
 * `chorus taxonomy init [--from <file.json|file.csv>]` creates the mood taxonomy of a database
 * that has none (the default one, as the server creates at boot, or the given tags);
 * `chorus taxonomy show` prints the active one as JSON (which `init --from` reads back).
 * Changing an existing taxonomy is an edit (admin page), which keeps old votes readable.
 */
export const taxonomyCommand: Command = {
  summary: 'Create the mood taxonomy of a new database (default or from a file), or show the active one',
  usage: 'chorus taxonomy init [--from <tags.json|tags.csv>] | chorus taxonomy show',
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { from: { type: 'string' } },
    });
    const [action, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    if (action !== 'init' && action !== 'show') throw new UsageError('give "init" or "show"');
    if (action === 'show' && values.from !== undefined) throw new UsageError('--from goes with "init"');
    const { getActiveTaxonomy, createTaxonomyVersion } = await import('@/lib/taxonomy/repo');
    const { DEMO_TAGS } = await import('@/lib/audio/synth');
    const { DEFAULT_TAXONOMY_NOTE } = await import('@/lib/taxonomy/default');
    const { parseTaxonomyFile } = await import('@/lib/taxonomy/file');

    let tags: { key: string; label: string; description: string }[] | undefined;
    if (action === 'init' && values.from !== undefined) {
      const fs = await import('node:fs/promises');
      const file = values.from;
      const format = /\.json$/i.test(file) ? 'json' : /\.csv$/i.test(file) ? 'csv' : undefined;
      if (!format) throw new UsageError(`--from takes a .json or .csv file, got "${file}"`);
      let text: string;
      try {
        text = await fs.readFile(file, 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      }
      const parsed = parseTaxonomyFile(text, format);
      if (parsed.problems.length > 0) {
        io.stderr.write(`chorus taxonomy: ${file} has problems, nothing was created:\n${parsed.problems.map((p) => `  ${p}\n`).join('')}`);
        return 1;
      }
      tags = parsed.tags;
    }

    const handle = await getDbHandle();
    const existing = await getActiveTaxonomy(handle.db).catch((err: { code?: string }) => {
      if (err?.code === 'NOT_FOUND') return undefined;
      throw err;
    });
    if (action === 'show') {
      if (!existing) {
        io.stderr.write('chorus taxonomy: no mood taxonomy has been set up yet; run `chorus taxonomy init [--from <file>]`\n');
        return 1;
      }
      io.stdout.write(JSON.stringify(existing, null, 2) + '\n');
      return 0;
    }
    if (existing) {
      io.stderr.write(
        `chorus taxonomy: a taxonomy already exists (v${existing.version}, ${existing.tags.length} tags); ` +
          'change it by editing it on the admin page, which keeps earlier votes readable\n',
      );
      return 1;
    }
    const created = await createTaxonomyVersion(
      handle.db,
      tags ?? DEMO_TAGS.map((t) => ({ ...t })),
      tags ? `Imported from ${values.from}` : DEFAULT_TAXONOMY_NOTE,
    );
    io.stderr.write(`created taxonomy v${created.version} with ${created.tags.length} tags${tags ? '' : ' (the default mood taxonomy)'}\n`);
    io.stdout.write(JSON.stringify(created, null, 2) + '\n');
    return 0;
  },
};
