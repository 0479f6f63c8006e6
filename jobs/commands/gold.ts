import { parseArgs } from 'node:util';
import { getDbHandle } from '@/db';
import { UsageError, type Command } from './types';

/**
 * `chorus gold import <csv>` makes the listed clips gold (all rows or none; see lib/gold/csv.ts
 * for the columns); `chorus gold export [<csv>]` writes every gold answer in the same format
 * (to stdout without a file), clips by sha256 so the file imports into another installation.
 */
export const goldCommand: Command = {
  summary: 'Import gold (honeypot) answers from a CSV (clip,tags,tolerated), or export them',
  usage: 'chorus gold import <gold.csv> | chorus gold export [<gold.csv>]',
  async run(argv, io) {
    const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
    const [action, file, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    if (action !== 'import' && action !== 'export') throw new UsageError('give "import <file>" or "export [<file>]"');
    const fs = await import('node:fs/promises');
    const { exportGoldCsv, importGoldCsv } = await import('@/lib/gold/service');
    const { AppError } = await import('@/lib/errors');

    if (action === 'import') {
      if (!file) throw new UsageError('gold import needs a CSV file');
      let text: string;
      try {
        text = await fs.readFile(file, 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      }
      const handle = await getDbHandle();
      try {
        const result = await importGoldCsv(handle.db, null, text);
        io.stderr.write(
          `gold: ${result.written} clip${result.written === 1 ? '' : 's'} made gold or changed, ${result.unchanged} already so\n`,
        );
        io.stdout.write(JSON.stringify(result) + '\n');
        return 0;
      } catch (err) {
        if (err instanceof AppError && err.code === 'UNPROCESSABLE') {
          io.stderr.write(`chorus gold: ${file}: ${err.message.replaceAll('\n', '\n  ')}\n`);
          return 1;
        }
        throw err;
      }
    }

    const handle = await getDbHandle();
    const { csv, rows } = await exportGoldCsv(handle.db);
    if (file) {
      await fs.writeFile(file, csv);
      io.stderr.write(`gold: wrote ${rows} gold clip${rows === 1 ? '' : 's'} to ${file}\n`);
    } else {
      io.stdout.write(csv);
    }
    return 0;
  },
};
