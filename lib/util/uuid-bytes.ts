/**
 * Uuids as 16 bytes in a shared buffer, for selections of a million clips: the text form costs a
 * ~56-byte string each on the heap, the bytes 16 in one typed array. Byte order equals the order
 * of the lowercase text (and PostgreSQL's uuid order).
 */

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Writes `uuid` (text, either case) into `out` at byte `offset`. Throws on anything else. */
export function writeUuidBytes(uuid: string, out: Uint8Array, offset: number): void {
  if (!UUID.test(uuid)) throw new Error(`not a uuid: ${JSON.stringify(uuid)}`);
  let at = offset;
  for (let i = 0; i < 36; i += 2) {
    if (uuid[i] === '-') i++;
    out[at++] = parseInt(uuid.slice(i, i + 2), 16);
  }
}

/** The lowercase text of the uuid at byte `offset` of `bytes`. */
export function readUuidBytes(bytes: Uint8Array, offset: number): string {
  let s = '';
  for (let k = 0; k < 16; k++) {
    if (k === 4 || k === 6 || k === 8 || k === 10) s += '-';
    s += HEX[bytes[offset + k]];
  }
  return s;
}
