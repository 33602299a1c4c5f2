import { strict as assert } from 'node:assert';
import { CborError, decodeCbor, encodeCbor } from '../src/pam/cbor.ts';

describe('pam/cbor', function () {
  it('round-trips the values a token holds, keys as byte strings', function () {
    const value = {
      v: 2,
      t: 1_700_000_000,
      big: 2 ** 40,
      neg: -300,
      f: 1.5,
      s: 'héllo',
      list: [true, false, null],
      nested: Object.fromEntries([
        ['123', 1],
        ['__proto__', 2],
      ]),
      sig: new Uint8Array([1, 2, 3]),
    };
    const bytes = encodeCbor(value);
    // A map of 9 whose first key is the byte string "v": how PubNub tokens start (p0F2…, here qUF2…).
    assert.deepEqual([...bytes.subarray(0, 3)], [0xa9, 0x41, 0x76]);
    const decoded = decodeCbor(bytes);
    assert.deepEqual(decoded, {
      ...value,
      nested: Object.fromEntries([
        ['123', 1],
        ['__proto__', 2],
      ]),
    });
  });

  it('refuses truncated, trailing, indefinite and too deeply nested input', function () {
    const bytes = encodeCbor({ a: 'text' });
    assert.throws(() => decodeCbor(bytes.subarray(0, bytes.length - 1)), CborError);
    assert.throws(() => decodeCbor(Buffer.concat([bytes, Buffer.from([0])])), CborError);
    assert.throws(() => decodeCbor(Buffer.from([0x9f, 0xff])), CborError);
    assert.throws(() => decodeCbor(Buffer.alloc(40, 0x81)), CborError);
    assert.throws(() => decodeCbor(Buffer.from([0xa1, 0x01, 0x01])), CborError);
  });
});
