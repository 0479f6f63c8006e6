import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { resolveSpecifier, root, sourceFiles } from './scan';

/**
 * Rules about who may import what inside lib/ (the folder layering is layers.test.ts):
 * - HTTP statuses stay in lib/http: domain code throws an AppError with a kind (lib/errors.ts) and
 *   only lib/http reads lib/http/errors.ts, the table from kinds to statuses.
 * - Import cycles between lib areas (a folder imports another that imports it back) may only
 *   shrink: the ones that exist are listed below, each a place to untangle; a new one fails here,
 *   and so does a listed one that is gone (take it off the list).
 */

/** Pairs of lib areas that import each other today (alphabetical within a pair). */
const KNOWN_CYCLES = [
  'auth <-> http',
  'catalog <-> features',
  'catalog <-> settings',
  'crowd <-> pause',
  'crowd <-> queue',
  'http <-> recommend',
  'qualification <-> queue',
];

/** The repo-relative path (without extension) an import of `file` names; null for packages. */
function resolveImport(file: string, specifier: string): string | null {
  const resolved = resolveSpecifier(file, specifier);
  return resolved
    ? path
        .relative(root, resolved)
        .split(path.sep)
        .join('/')
        .replace(/\.(ts|tsx|js|mjs)$/, '')
    : null;
}

/** Every (importing file, imported path) of the given files. */
function importsOf(files: { file: string; text: string }[]): { from: string; to: string }[] {
  return files.flatMap(({ file, text }) =>
    ts.preProcessFile(text, true, true).importedFiles.flatMap((imp) => {
      const to = resolveImport(file, imp.fileName);
      return to ? [{ from: path.relative(root, file).split(path.sep).join('/'), to }] : [];
    }),
  );
}

/** The lib area (first folder under lib/) of a repo-relative path; null outside a lib area. */
const areaOf = (p: string) => /^lib\/([^/]+)\//.exec(p)?.[1] ?? null;

/** The pairs of lib areas that import each other, as 'a <-> b'. */
function mutualAreas(imports: { from: string; to: string }[]): string[] {
  const edges = new Set<string>();
  for (const { from, to } of imports) {
    const a = areaOf(from);
    const b = areaOf(to);
    if (a && b && a !== b) edges.add(`${a}>${b}`);
  }
  const pairs = new Set<string>();
  for (const e of edges) {
    const [a, b] = e.split('>');
    if (edges.has(`${b}>${a}`)) pairs.add([a, b].sort().join(' <-> '));
  }
  return [...pairs].sort();
}

const libFiles = () => sourceFiles(path.join(root, 'lib')).map((file) => ({ file, text: fs.readFileSync(file, 'utf8') }));
const at = (rel: string, text: string) => ({ file: path.join(root, rel), text });

describe('dependencies inside lib/', () => {
  it('the cycle finder sees a cycle through any import form and ignores imports within an area', () => {
    const found = mutualAreas(
      importsOf([
        at('lib/a/service.ts', "import type { X } from '@/lib/b/repo';\nimport { y } from './own';"),
        at('lib/b/repo.ts', "export { z } from '../a/schemas';"),
        at('lib/c/x.ts', "const m = await import('@/lib/a/service');"),
      ]),
    );
    expect(found).toEqual(['a <-> b']);
  });

  it('no import cycle between lib areas beyond the known ones, and every known one still listed is real', () => {
    const files = libFiles();
    expect(files.length).toBeGreaterThan(100);
    const found = mutualAreas(importsOf(files));
    expect(
      found.filter((c) => !KNOWN_CYCLES.includes(c)),
      'new cycles',
    ).toEqual([]);
    expect(
      KNOWN_CYCLES.filter((c) => !found.includes(c)),
      'gone: take them off KNOWN_CYCLES',
    ).toEqual([]);
  });

  it('only lib/http reads the kind-to-status table (lib/http/errors.ts)', () => {
    const roots = ['lib', 'app', 'jobs', 'components', 'db'].map((d) => path.join(root, d));
    const files = roots.flatMap((d) => sourceFiles(d)).map((file) => ({ file, text: fs.readFileSync(file, 'utf8') }));
    const readers = importsOf(files).filter((i) => i.to === 'lib/http/errors' && !i.from.startsWith('lib/http/'));
    expect(readers).toEqual([]);
    // The scanner does find the wrapper's own use.
    expect(importsOf(files).some((i) => i.to === 'lib/http/errors' && i.from === 'lib/http/route.ts')).toBe(true);
  });
});
