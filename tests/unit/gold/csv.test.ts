import { describe, expect, it } from 'vitest';
import { formatGoldCsv, parseGoldCsv } from '@/lib/gold/csv';
import { auditQueryString } from '@/lib/audit/schemas';

describe('parseGoldCsv', () => {
  it('reads clip, tags and tolerated (optional column), trimming cells and lower-casing the clip reference', () => {
    const { rows, problems } = parseGoldCsv('\uFEFFClip,Tags,Tolerated\n ABCDEF , happy | sad ,calm\n\nxyz,dark\n');
    expect(problems).toEqual([]);
    expect(rows).toEqual([
      { line: 2, clip: 'abcdef', tags: ['happy', 'sad'], tolerated: ['calm'] },
      { line: 4, clip: 'xyz', tags: ['dark'], tolerated: [] },
    ]);
    expect(parseGoldCsv('tags,clip\nhappy,a1\n').rows).toEqual([{ line: 2, clip: 'a1', tags: ['happy'], tolerated: [] }]);
  });

  it('names every bad row by line and returns no rows when there is one', () => {
    const { rows, problems } = parseGoldCsv(['clip,tags,tolerated', 'a,happy,', 'b,,', 'c,happy,happy', ',happy,', 'a,sad,', 'd,Not Ok,'].join('\n'));
    expect(rows).toEqual([]);
    expect(problems).toHaveLength(5);
    expect(problems[0]).toMatch(/^line 3 \(b\): tags: a gold answer names at least one mood/);
    expect(problems[1]).toMatch(/^line 4 \(c\): tolerated: a mood is either required or tolerated, not both: happy/);
    expect(problems[2]).toBe('line 5: the clip cell is empty (a clip id or sha256)');
    expect(problems[3]).toBe('line 6: clip a is already given on line 2');
    expect(problems[4]).toMatch(/^line 7 \(d\): tags\.0: tag keys are lower-case/);
  });

  it('refuses a file without the clip and tags columns, or without rows', () => {
    expect(parseGoldCsv('id,labels\n1,a\n').problems).toEqual(['line 1: the first line must name the columns clip,tags[,tolerated]']);
    expect(parseGoldCsv('clip,tags\n').problems).toEqual(['the file has no gold rows']);
    expect(parseGoldCsv('clip,tags\n"a,happy\n').problems[0]).toMatch(/^unreadable CSV/);
  });

  it('reads back what formatGoldCsv writes', () => {
    const text = formatGoldCsv([
      { clip: 'aa', tags: ['happy', 'sad'], tolerated: ['calm'] },
      { clip: 'bb', tags: ['dark'], tolerated: [] },
    ]);
    expect(text).toBe('clip,tags,tolerated\r\naa,happy|sad,calm\r\nbb,dark,\r\n');
    expect(parseGoldCsv(text).rows.map(({ clip, tags, tolerated }) => ({ clip, tags, tolerated }))).toEqual([
      { clip: 'aa', tags: ['happy', 'sad'], tolerated: ['calm'] },
      { clip: 'bb', tags: ['dark'], tolerated: [] },
    ]);
  });
});

describe('auditQueryString', () => {
  it('keeps the set filters and a page past the first, in a stable order', () => {
    expect(auditQueryString({})).toBe('');
    expect(auditQueryString({ page: 1 })).toBe('');
    expect(auditQueryString({ action: 'gold.mark', from: '2026-03-01', page: 3, actor: 'system' })).toBe('?actor=system&action=gold.mark&from=2026-03-01&page=3');
  });
});
