import { describe, expect, it } from 'vitest';
import { parseCopyLine, parseCopyText } from '@/db/copy-text';

async function* chunksOf(...parts: (string | Uint8Array)[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield typeof p === 'string' ? Buffer.from(p, 'utf8') : p;
}

async function all(chunks: AsyncIterable<Uint8Array>, batch = 100): Promise<(string | null)[][][]> {
  const out: (string | null)[][][] = [];
  for await (const rows of parseCopyText(chunks, batch)) out.push(rows);
  return out;
}

describe('COPY text format: one line', () => {
  it('splits on tabs and reads \\N as null, an empty field as the empty string', () => {
    expect(parseCopyLine('a\tb\t\\N\t\tlast')).toEqual(['a', 'b', null, '', 'last']);
    expect(parseCopyLine('')).toEqual(['']);
    expect(parseCopyLine('\\N')).toEqual([null]);
  });

  it('unescapes what PostgreSQL escapes: \\t \\n \\r \\\\ \\b \\f \\v', () => {
    // As PostgreSQL writes `E'tab\there'`, `E'two\nlines'`, `E'back\\slash'`, `E'cr\r'`:
    expect(parseCopyLine('tab\\there\ttwo\\nlines\tback\\\\slash\tcr\\r')).toEqual(['tab\there', 'two\nlines', 'back\\slash', 'cr\r']);
    expect(parseCopyLine('\\b\\f\\v')).toEqual(['\b\f\v']);
    // A literal backslash followed by N is not a null: `\\N` is the two characters \N.
    expect(parseCopyLine('\\\\N\tx\\Ny')).toEqual(['\\N', 'xNy']);
    // A field that is a backslash then `t` (not a tab): written \\t.
    expect(parseCopyLine('\\\\t')).toEqual(['\\t']);
  });

  it('keeps unicode as it is and decodes octal and hex byte escapes as UTF-8', () => {
    expect(parseCopyLine('Sigur Rós\t東京\t🎵')).toEqual(['Sigur Rós', '東京', '🎵']);
    // é is C3 A9 in UTF-8: octal \303\251, hex \xc3\xa9.
    expect(parseCopyLine('caf\\303\\251\tcaf\\xc3\\xa9\t\\101')).toEqual(['café', 'café', 'A']);
  });

  it('rejects a field ending in a lone backslash', () => {
    expect(() => parseCopyLine('bad\\')).toThrow(/lone backslash/);
  });
});

describe('COPY text format: a stream', () => {
  it('yields rows in batches, the last one shorter', async () => {
    const text = ['1\ta', '2\tb', '3\tc', '4\td', '5\te'].map((l) => `${l}\n`).join('');
    const batches = await all(chunksOf(text), 2);
    expect(batches.map((b) => b.length)).toEqual([2, 2, 1]);
    expect(batches.flat()).toEqual([['1', 'a'], ['2', 'b'], ['3', 'c'], ['4', 'd'], ['5', 'e']]);
  });

  it('joins rows, escapes and multi-byte characters split across chunks', async () => {
    const bytes = Buffer.from('id-1\tSigur Rós\ttwo\\nlines\n\\N\t東京\tx\\\\y\n', 'utf8');
    const expected = [
      ['id-1', 'Sigur Rós', 'two\nlines'],
      [null, '東京', 'x\\y'],
    ];
    // Every cut point: inside "ó" (2 bytes), inside "東" (3 bytes), between a backslash and its letter, at the newline.
    for (let cut = 1; cut < bytes.length; cut++) {
      const batches = await all(chunksOf(bytes.subarray(0, cut), bytes.subarray(cut)));
      expect(batches.flat(), `cut at byte ${cut}`).toEqual(expected);
    }
    // One byte at a time.
    const single = await all(chunksOf(...Array.from(bytes, (b) => Uint8Array.of(b))));
    expect(single.flat()).toEqual(expected);
  });

  it('yields nothing for an empty stream and throws when the stream stops inside a row', async () => {
    expect(await all(chunksOf())).toEqual([]);
    await expect(all(chunksOf('1\ta\n2\tb'))).rejects.toThrow(/ended inside a row \(3 bytes/);
  });

  it('rejects a batch size that is not a positive integer', async () => {
    await expect(all(chunksOf('1\n'), 0)).rejects.toThrow(/batch must be a positive integer/);
    await expect(all(chunksOf('1\n'), 1.5)).rejects.toThrow(/batch must be a positive integer/);
  });
});
