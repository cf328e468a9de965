import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { base32, ID_LENGTH, idTableNumber, newId } from "../src/engine/ids.js";
import { seededRandom } from "../src/engine/runtime.js";

// idTableNumber decodes exactly what the earlier decoder (kept here as the reference) decoded: valid ids to their
// table, every other string of an id's length (a changed character, a character outside the alphabet, another
// spelling of the same bytes) to null.

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
function reference(id: string): number | null {
  if (id.length !== ID_LENGTH) return null;
  const out = new Uint8Array(Math.floor((id.length * 5) / 8));
  let bits = 0;
  let acc = 0;
  let j = 0;
  for (const c of id) {
    const v = ALPHABET.indexOf(c);
    if (v < 0 || c.length !== 1) return null;
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out[j++] = (acc >>> (bits - 8)) & 255;
      bits -= 8;
    }
    acc &= (1 << bits) - 1;
  }
  if (out.length < 18 || base32(out) !== id) return null;
  const sum = crc32(out.subarray(0, 16));
  if (out[16] !== ((sum >>> 8) & 255) || out[17] !== (sum & 255)) return null;
  return (out[14] << 8) | out[15];
}

describe("idTableNumber", () => {
  it("agrees with the reference decoder on ids and on 50,000 altered strings", () => {
    const rand = seededRandom(3);
    const chars = [...ALPHABET, "i", "l", "o", "u", "A", "Z", "-", "é", "😀", "\u0000"];
    let valid = 0;
    for (let i = 0; i < 50_000; i++) {
      const table = Math.floor(rand() * 20_000);
      let id = newId(table);
      if (i % 4 !== 0) {
        const at = rand() < 0.3 ? ID_LENGTH - 1 : Math.floor(rand() * ID_LENGTH);
        const c = chars[Math.floor(rand() * chars.length)];
        id = (id.slice(0, at) + c + id.slice(at + 1)).slice(0, ID_LENGTH);
      }
      const expected = reference(id);
      const got = idTableNumber(id);
      if (got !== expected) throw new Error(`${JSON.stringify(id)}: decoded ${got}, the reference ${expected}`);
      if (expected !== null) valid++;
    }
    // Both kinds were seen: every unaltered id, and altered strings that are refused.
    expect(valid).toBeGreaterThanOrEqual(12_500);
    expect(valid).toBeLessThan(37_500);
  });

  it("refuses another spelling of an id's bytes (its last character's spare bit set)", () => {
    const id = newId(10_001);
    expect(idTableNumber(id)).toBe(10_001);
    const last = ALPHABET.indexOf(id[ID_LENGTH - 1]);
    const other = id.slice(0, -1) + ALPHABET[last | 1];
    expect(other).not.toBe(id);
    expect(idTableNumber(other)).toBeNull();
  });
});
