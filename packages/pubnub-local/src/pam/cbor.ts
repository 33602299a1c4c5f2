/**
 * The small part of CBOR (RFC 8949) an Access Manager token needs. Map keys
 * are written as byte strings, as PubNub's own tokens do (`p0F2AkF0…`); the
 * SDK's decoder reads them back as text. Decoding takes untrusted input (any
 * client's `auth`), so it refuses anything malformed, indefinite or too deep.
 */
export type CborValue = number | string | boolean | null | Uint8Array | CborValue[] | CborMap;
export interface CborMap {
  [key: string]: CborValue;
}

const MAX_DEPTH = 16;

export class CborError extends Error {
  override name = 'CborError';
}

function head(major: number, length: number): number[] {
  const type = major << 5;
  if (length < 24) return [type | length];
  if (length < 0x100) return [type | 24, length];
  if (length < 0x10000) return [type | 25, length >> 8, length & 0xff];
  if (length < 0x1_0000_0000) return [type | 26, ...bigEndian(length, 4)];
  return [type | 27, ...bigEndian(length, 8)];
}

function bigEndian(value: number, bytes: number): number[] {
  const out: number[] = [];
  let rest = BigInt(value);
  for (let i = 0; i < bytes; i++) {
    out.unshift(Number(rest & 0xffn));
    rest >>= 8n;
  }
  return out;
}

function encodeInto(out: number[], value: CborValue): void {
  if (value === null) out.push(0xf6);
  else if (value === false) out.push(0xf4);
  else if (value === true) out.push(0xf5);
  else if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) out.push(...(value >= 0 ? head(0, value) : head(1, -1 - value)));
    else {
      const bytes = Buffer.alloc(8);
      bytes.writeDoubleBE(value);
      out.push(0xfb, ...bytes);
    }
  } else if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    out.push(...head(3, bytes.length), ...bytes);
  } else if (value instanceof Uint8Array) {
    out.push(...head(2, value.length), ...value);
  } else if (Array.isArray(value)) {
    out.push(...head(4, value.length));
    for (const item of value) encodeInto(out, item);
  } else {
    const entries = Object.entries(value);
    out.push(...head(5, entries.length));
    for (const [key, item] of entries) {
      const bytes = Buffer.from(key, 'utf8');
      out.push(...head(2, bytes.length), ...bytes);
      encodeInto(out, item);
    }
  }
}

export function encodeCbor(value: CborValue): Buffer {
  const out: number[] = [];
  encodeInto(out, value);
  return Buffer.from(out);
}

class Reader {
  offset = 0;
  private readonly bytes: Buffer;
  constructor(bytes: Buffer) {
    this.bytes = bytes;
  }

  take(count: number): Buffer {
    if (count > this.bytes.length - this.offset) throw new CborError('truncated');
    const chunk = this.bytes.subarray(this.offset, this.offset + count);
    this.offset += count;
    return chunk;
  }

  byte(): number {
    return this.take(1)[0] ?? 0;
  }

  /** The argument of a head: a count or an integer. */
  argument(info: number): number {
    if (info < 24) return info;
    if (info === 24) return this.byte();
    if (info === 25) return this.take(2).readUInt16BE();
    if (info === 26) return this.take(4).readUInt32BE();
    if (info === 27) {
      const value = this.take(8).readBigUInt64BE();
      if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new CborError('integer too large');
      return Number(value);
    }
    throw new CborError('indefinite or reserved length');
  }

  value(depth: number): CborValue {
    if (depth > MAX_DEPTH) throw new CborError('nested too deep');
    const initial = this.byte();
    const major = initial >> 5;
    const info = initial & 0x1f;
    switch (major) {
      case 0:
        return this.argument(info);
      case 1:
        return -1 - this.argument(info);
      case 2:
        return new Uint8Array(this.take(this.argument(info)));
      case 3:
        return this.take(this.argument(info)).toString('utf8');
      case 4: {
        const length = this.argument(info);
        const items: CborValue[] = [];
        for (let i = 0; i < length; i++) items.push(this.value(depth + 1));
        return items;
      }
      case 5: {
        const length = this.argument(info);
        const entries: [string, CborValue][] = [];
        for (let i = 0; i < length; i++) {
          const key = this.value(depth + 1);
          if (typeof key !== 'string' && !(key instanceof Uint8Array))
            throw new CborError('map key not a string');
          entries.push([
            typeof key === 'string' ? key : Buffer.from(key).toString('utf8'),
            this.value(depth + 1),
          ]);
        }
        // fromEntries defines properties, so a key named __proto__ stays a plain key.
        return Object.fromEntries<CborValue>(entries);
      }
      case 7:
        if (info === 20) return false;
        if (info === 21) return true;
        if (info === 22) return null;
        if (info === 27) return this.take(8).readDoubleBE();
        throw new CborError(`unsupported simple value ${info}`);
      default:
        throw new CborError(`unsupported major type ${major}`);
    }
  }
}

/** Decodes exactly one value; throws CborError on anything else. */
export function decodeCbor(bytes: Buffer): CborValue {
  const reader = new Reader(bytes);
  const value = reader.value(0);
  if (reader.offset !== bytes.length) throw new CborError('trailing bytes');
  return value;
}

export function isCborMap(value: CborValue | undefined): value is CborMap {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}
