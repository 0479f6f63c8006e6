import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { csvCell, csvLine, csvTextCell } from '@/lib/export';

describe('csvCell', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","click")', `"'=HYPERLINK(""http://evil.example"",""click"")"`],
    ['+1', "'+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1:A9)', "'@SUM(A1:A9)"],
    ['\tcmd', "'\tcmd"],
    ['\r=1+1', `"'\r=1+1"`],
  ])('neutralises the formula trigger in %j', (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  it('writes numbers bare, negative ones included, and booleans as true/false', () => {
    expect(csvCell(-2)).toBe('-2');
    expect(csvCell(-0.125)).toBe('-0.125');
    expect(csvCell(3)).toBe('3');
    expect(csvCell(1e-7)).toBe('1e-7');
    expect(csvCell(true)).toBe('true');
    expect(csvCell(false)).toBe('false');
  });

  it('writes null, undefined and non-finite numbers as empty cells', () => {
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(Number.NaN)).toBe('');
    expect(csvCell(Number.POSITIVE_INFINITY)).toBe('');
  });

  it('leaves harmless text alone and quotes separators, quotes and newlines', () => {
    expect(csvTextCell('Song 1')).toBe('Song 1');
    expect(csvTextCell('a-b')).toBe('a-b');
    expect(csvTextCell('a,b')).toBe('"a,b"');
    expect(csvTextCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvTextCell('two\nlines')).toBe('"two\nlines"');
  });

  it('cannot be broken out of: a parsed line has exactly the cells written', () => {
    const hostile = ['=1+2";=1+2', 'x","=cmd', '-1', -1, '@a,b', '\n=2'];
    const parsed = parse(csvLine(hostile), { relax_quotes: false }) as string[][];
    expect(parsed).toHaveLength(1);
    expect(parsed[0]).toEqual(['\'=1+2";=1+2', 'x","=cmd', "'-1", '-1', "'@a,b", '\n=2']);
    // No text cell of the parsed record starts with a formula trigger.
    for (const [k, cell] of parsed[0].entries()) if (typeof hostile[k] === 'string') expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });
});
