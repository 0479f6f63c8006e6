import { describe, expect, it } from 'vitest';
import {
  formatPredictionRows,
  meanEntropy,
  parsePredictionsCsv,
  parsePredictionsJsonl,
  predictionsHeader,
} from '@/lib/predictions/format';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('predictions files', () => {
  it('reads CSV rows by line; an empty cell is a tag not predicted; other columns are ignored', () => {
    const parsed = parsePredictionsCsv(`clip,title,p_happy,P_Sad\n${A},x,0.9,0.1\n\n${B},y,0.25,\n`);
    expect(parsed.problems).toEqual([]);
    expect(parsed.tags).toEqual(['happy', 'sad']);
    expect(parsed.rows.map((r) => [r.line, r.clip, [...r.probs]])).toEqual([
      [
        2,
        A,
        [
          ['happy', 0.9],
          ['sad', 0.1],
        ],
      ],
      [4, B, [['happy', 0.25]]],
    ]);
  });

  it('reports every bad row by its line and returns no rows then', () => {
    const parsed = parsePredictionsCsv(
      `clip,p_happy,p_sad\n${A},0.5,0.5\n${B},-0.1,0.5\n,0.2,0.2\n${A},0.3,0.3\n${B},,\n${B},1\n`,
    );
    expect(parsed.rows).toEqual([]);
    expect(parsed.problems).toEqual([
      `line 3 (${B}): p_happy: -0.1 is not a probability in [0, 1]`,
      'line 4: the clip cell is empty (a clip id or sha256)',
      `line 5: clip ${A} is already given on line 2`,
      `line 6 (${B}): no probability given`,
      'line 7: expected 3 fields, found 2',
    ]);
    expect(parsePredictionsCsv('item,happy\nx,1\n').problems[0]).toMatch(/^line 1: /);
    expect(parsePredictionsCsv('').problems).toEqual([
      'line 1: the first line must name a clip column and at least one p_<tag> column',
    ]);
  });

  it('reads JSONL, with lines that are not objects reported', () => {
    const parsed = parsePredictionsJsonl(
      `{"clip":"${A}","p_happy":0.7,"p_sad":"0.2"}\n[1]\n{"p_happy":0.1}\n{"clip":"${B}","p_happy":true}\n`,
    );
    expect(parsed.problems).toEqual([
      'line 2: not a JSON object',
      'line 3: "clip" (a clip id or sha256) is missing',
      `line 4 (${B}): p_happy: true is not a number`,
    ]);
    const ok = parsePredictionsJsonl(`{"clip":"${A}","p_happy":0.7,"p_sad":"0.2"}\r\n`);
    expect([...ok.rows[0].probs]).toEqual([
      ['happy', 0.7],
      ['sad', 0.2],
    ]);
  });

  it('mean entropy in bits: 1 for coin flips, 0 when sure, H(0.1) ≈ 0.469', () => {
    expect(meanEntropy([0.5, 0.5])).toBeCloseTo(1, 10);
    expect(meanEntropy([0, 1])).toBeCloseTo(0, 6);
    expect(meanEntropy([0.1])).toBeCloseTo(0.469, 3);
    expect(meanEntropy([0.1, 0.5])).toBeCloseTo((0.469 + 1) / 2, 3);
    expect(meanEntropy([])).toBe(0);
  });

  it('writes what it reads: CSV with empty cells for missing tags, JSONL without them', () => {
    const tags = ['happy', 'sad'];
    const rows = [{ clip: A, probs: [0.1234567, null] }];
    const csv = predictionsHeader(tags, 'csv') + formatPredictionRows(tags, rows, 'csv');
    expect(csv).toBe(`clip,p_happy,p_sad\r\n${A},0.123457,\r\n`);
    expect(parsePredictionsCsv(csv).rows[0].probs).toEqual(new Map([['happy', 0.123457]]));
    const jsonl = formatPredictionRows(tags, rows, 'jsonl');
    expect(JSON.parse(jsonl)).toEqual({ clip: A, p_happy: 0.123457 });
  });
});
