/**
 * A uuid as four 32-bit words (16 bytes) and back, so that the deadline queue
 * can hold 100,000s of game ids in one typed array instead of as strings.
 */

const hexValue = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i += 1) hexValue[48 + i] = i;
for (let i = 0; i < 6; i += 1) {
  hexValue[65 + i] = 10 + i;
  hexValue[97 + i] = 10 + i;
}
const byteHex = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** Unsigned value of 8 hex digits from `from`, skipping the hyphen at `hyphenAt` (-1: none); -1 if not hex. */
function hexWord(text: string, from: number, hyphenAt: number): number {
  let word = 0;
  let i = from;
  for (let n = 0; n < 8; n += 1, i += 1) {
    if (i === hyphenAt) i += 1;
    const code = text.charCodeAt(i);
    const v = code < 128 ? (hexValue[code] as number) : -1;
    if (v < 0) return -1;
    word = word * 16 + v;
  }
  return word;
}

/**
 * Writes the uuid's words into `out` at `offset`; false when `text` is not a
 * uuid (8-4-4-4-12 hex digits, either case).
 */
export function uuidToWords(text: string, out: Int32Array, offset: number): boolean {
  if (text.length !== 36) return false;
  if (text[8] !== '-' || text[13] !== '-' || text[18] !== '-' || text[23] !== '-') return false;
  const w0 = hexWord(text, 0, -1);
  const w1 = hexWord(text, 9, 13);
  const w2 = hexWord(text, 19, 23);
  const w3 = hexWord(text, 28, -1);
  if (w0 < 0 || w1 < 0 || w2 < 0 || w3 < 0) return false;
  // Int32Array stores the unsigned words' bits.
  out[offset] = w0;
  out[offset + 1] = w1;
  out[offset + 2] = w2;
  out[offset + 3] = w3;
  return true;
}

/** The canonical (lower-case, hyphenated) uuid of the four words at `offset`. */
export function wordsToUuid(words: Int32Array, offset: number): string {
  const a = words[offset] as number;
  const b = words[offset + 1] as number;
  const c = words[offset + 2] as number;
  const d = words[offset + 3] as number;
  const h = byteHex;
  return `${h[a >>> 24]}${h[(a >>> 16) & 0xff]}${h[(a >>> 8) & 0xff]}${h[a & 0xff]}-${h[b >>> 24]}${h[(b >>> 16) & 0xff]}-${h[(b >>> 8) & 0xff]}${h[b & 0xff]}-${h[c >>> 24]}${h[(c >>> 16) & 0xff]}-${h[(c >>> 8) & 0xff]}${h[c & 0xff]}${h[d >>> 24]}${h[(d >>> 16) & 0xff]}${h[(d >>> 8) & 0xff]}${h[d & 0xff]}`;
}
