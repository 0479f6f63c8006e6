import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { root, sourceFiles } from '../architecture/scan';

/**
 * lib/recommend talks to the database the project's one way (issue 16): drizzle's `sql` template
 * through db/client's helpers on a `Db`/`DbOrTx`. A hand-numbered `$1` in a string, or a call to
 * a driver's own `query`/`unsafe`, would bring back the second way — and with it transactions
 * sent as `begin` … `commit` through a pool.
 */
function offences(file: string, text = fs.readFileSync(file, 'utf8')): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const where = (node: ts.Node) => `${path.relative(root, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const visit = (node: ts.Node) => {
    if (
      (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateLiteralToken(node)) &&
      /\$\d/.test(node.text)
    ) {
      found.push(`${where(node)} positional parameter in ${JSON.stringify(node.text.slice(0, 60))}`);
    }
    if (ts.isPropertyAccessExpression(node) && ['query', 'unsafe', '$client', 'pglite'].includes(node.name.text)) {
      found.push(`${where(node)} driver access .${node.name.text}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('lib/recommend SQL style', () => {
  it('has no positional $n parameters and no driver query calls', () => {
    const files = sourceFiles(path.join(root, 'lib', 'recommend'));
    expect(files.length).toBeGreaterThan(10);
    expect(files.flatMap((f) => offences(f))).toEqual([]);
  });

  it('catches both (the check itself)', () => {
    const probe = path.join(root, 'lib', 'recommend', 'probe.ts');
    const text = 'export const f = (h: any, id: string) =>\n  h.query(`select 1 where id = $1`, [id]);\n';
    expect(offences(probe, text)).toEqual([
      'lib/recommend/probe.ts:2 driver access .query',
      'lib/recommend/probe.ts:2 positional parameter in "select 1 where id = $1"',
    ]);
  });
});
