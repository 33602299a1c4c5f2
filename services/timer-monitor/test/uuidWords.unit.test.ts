import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { uuidToWords, wordsToUuid } from '../src/uuidWords.ts';

describe('uuidWords', () => {
  it('round-trips uuids through four words, canonical lower case', () => {
    const words = new Int32Array(8);
    for (let i = 0; i < 1000; i += 1) {
      const id = randomUUID();
      assert.equal(uuidToWords(id, words, 4), true);
      assert.equal(wordsToUuid(words, 4), id);
    }
    assert.equal(uuidToWords('FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF', words, 0), true);
    assert.equal(wordsToUuid(words, 0), 'ffffffff-ffff-4fff-bfff-ffffffffffff');
    assert.equal(uuidToWords('00000000-0000-0000-0000-000000000000', words, 0), true);
    assert.deepEqual([...words.subarray(0, 4)], [0, 0, 0, 0]);
  });

  it('rejects what is not a uuid and leaves the words alone', () => {
    const words = new Int32Array([1, 2, 3, 4]);
    for (const bad of [
      '',
      'g1',
      '0190a5b2-7c3d-7e4f-8a1b-c0ffee00000',
      '0190a5b2-7c3d-7e4f-8a1b-c0ffee00000g',
      '0190a5b2x7c3d-7e4f-8a1b-c0ffee000000',
      '0190a5b2-7c3d-7e4f-8a1b-c0ffee00000é',
    ])
      assert.equal(uuidToWords(bad, words, 0), false, bad);
    assert.deepEqual([...words], [1, 2, 3, 4]);
  });
});
