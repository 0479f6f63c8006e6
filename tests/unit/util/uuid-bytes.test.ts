import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { readUuidBytes, writeUuidBytes } from '@/lib/util/uuid-bytes';

describe('uuid bytes', () => {
  it('writes the 16 bytes of the text, hand-checked, and reads them back in lowercase', () => {
    const out = new Uint8Array(20);
    writeUuidBytes('00112233-4455-6677-8899-AABBCCDDEEFF', out, 2);
    expect([...out]).toEqual([0, 0, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0, 0]);
    expect(readUuidBytes(out, 2)).toBe('00112233-4455-6677-8899-aabbccddeeff');
  });

  it('round-trips random uuids, and byte order is the order of the text', () => {
    const ids = Array.from({ length: 200 }, () => randomUUID());
    const bytes = new Uint8Array(ids.length * 16);
    ids.forEach((id, i) => writeUuidBytes(id, bytes, i * 16));
    expect(ids.map((_, i) => readUuidBytes(bytes, i * 16))).toEqual(ids);
    const byBytes = ids.map((_, i) => i).sort((a, b) => Buffer.compare(bytes.subarray(a * 16, a * 16 + 16), bytes.subarray(b * 16, b * 16 + 16)));
    expect(byBytes.map((i) => ids[i])).toEqual([...ids].sort());
  });

  it('rejects what is not a uuid', () => {
    const out = new Uint8Array(16);
    expect(() => writeUuidBytes('not-a-uuid', out, 0)).toThrow(/not a uuid/);
    expect(() => writeUuidBytes('00112233-4455-6677-8899-aabbccddeefg', out, 0)).toThrow(/not a uuid/);
    expect(() => writeUuidBytes('00112233445566778899aabbccddeeff', out, 0)).toThrow(/not a uuid/);
  });
});
