import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { RecentIds } from '../src/recentIds.ts';

describe('player-client recent ids', () => {
  it('says true once per id within the window and forgets the oldest beyond it', () => {
    const ids = new RecentIds(2);
    assert.equal(ids.add('a'), true);
    assert.equal(ids.add('a'), false);
    assert.equal(ids.add('b'), true);
    assert.equal(ids.add('c'), true);
    assert.equal(ids.size, 2);
    assert.equal(ids.add('b'), false);
    assert.equal(ids.add('a'), true, 'a was forgotten');
    assert.throws(() => new RecentIds(0), RangeError);
  });

  it('agrees with a model: the last `capacity` distinct ids added (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j')),
        (capacity, adds) => {
          const ids = new RecentIds(capacity);
          const model: string[] = [];
          for (const id of adds) {
            const expected = !model.includes(id);
            assert.equal(ids.add(id), expected);
            if (expected) {
              model.push(id);
              if (model.length > capacity) model.shift();
            }
            assert.equal(ids.size, model.length);
          }
        },
      ),
    );
  });
});
