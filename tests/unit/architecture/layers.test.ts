import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { resolveSpecifier, root, sourceFiles } from './scan';

/**
 * The folder layering the README's "Architecture" section describes, checked over every import
 * (static, dynamic, `export … from`, type-only) of every source file: a lower layer never
 * reaches up. `jobs/` binds handlers to the job specs of `lib/<area>/jobs.ts`, and the entry points
 * (instrumentation.ts, `chorus worker`) hand the job list to lib/boot.ts, so lib/ needs neither
 * jobs/ nor app/; db/ is the bottom and reads its own two variables (db/config.ts).
 */
const FORBIDDEN: Record<string, string[]> = {
  lib: ['app', 'jobs', 'components'],
  db: ['app', 'jobs', 'components', 'lib'],
};

/** The top-level folder an import specifier of `file` lands in; null for packages and node: built-ins. */
function targetFolder(file: string, specifier: string): string | null {
  const resolved = resolveSpecifier(file, specifier);
  return resolved ? (path.relative(root, resolved).split(path.sep)[0] ?? null) : null;
}

/** Every import of one file's text that crosses into a folder `from` may not import. */
function violations(file: string, text: string, from: string): string[] {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles
    .filter((imp) => FORBIDDEN[from]?.includes(targetFolder(file, imp.fileName) ?? ''))
    .map((imp) => `${path.relative(root, file)} imports ${imp.fileName}`);
}

describe('import layering', () => {
  it('the scanner sees static, dynamic, re-export and type-only imports, by alias and relative path', () => {
    const file = path.join(root, 'lib/crowd/example.ts');
    const text = [
      "import { a } from '@/jobs/registry';",
      "import type { B } from '../../app/api/route';",
      "export { c } from '@/components/chart';",
      "const d = await import('@/jobs/cli');",
      "import { e } from '@/lib/jobs/engine';",
      "import { z } from 'zod';",
    ].join('\n');
    expect(violations(file, text, 'lib')).toEqual([
      'lib/crowd/example.ts imports @/jobs/registry',
      'lib/crowd/example.ts imports ../../app/api/route',
      'lib/crowd/example.ts imports @/components/chart',
      'lib/crowd/example.ts imports @/jobs/cli',
    ]);
    expect(violations(path.join(root, 'db/index.ts'), "import { env } from '@/lib/env';", 'db')).toEqual([
      'db/index.ts imports @/lib/env',
    ]);
  });

  for (const from of Object.keys(FORBIDDEN)) {
    it(`${from}/ imports nothing from ${FORBIDDEN[from].join(', ')}`, () => {
      const files = sourceFiles(path.join(root, from));
      // The walk found the folder's code (a wrong root would pass on zero files).
      expect(files.length).toBeGreaterThan(from === 'lib' ? 100 : 5);
      const found = files.flatMap((f) => violations(f, fs.readFileSync(f, 'utf8'), from));
      expect(found).toEqual([]);
    });
  }
});
