import { describe, expect, it } from 'vitest';
import { parseCsvRecords } from '@/lib/util/csv';

describe('parseCsvRecords', () => {
  it('drops the byte-order mark, skips blank lines, trims cells, keeps short rows and says the line each ends on', () => {
    const text = '\uFEFFclip, tags\n\na1 ,calm|dark\n"b\n2",x,extra\nc3\n';
    expect(parseCsvRecords(text)).toEqual([
      { record: ['clip', 'tags'], info: expect.objectContaining({ lines: 1 }) },
      { record: ['a1', 'calm|dark'], info: expect.objectContaining({ lines: 3 }) },
      { record: ['b\n2', 'x', 'extra'], info: expect.objectContaining({ lines: 5 }) },
      { record: ['c3'], info: expect.objectContaining({ lines: 6 }) },
    ]);
  });

  it('throws on an unclosed quote', () => {
    expect(() => parseCsvRecords('clip,tags\n"a1,calm\n')).toThrow(/quote/i);
  });
});
