import { strict as assert } from 'node:assert';
import { createMessageStore, type StoredMessage } from '../src/messageStore.ts';

function msg(tt: number, extra: Partial<StoredMessage> = {}): StoredMessage {
  return { tt: BigInt(tt), message: tt, uuid: 'u', ...extra };
}

describe('message store', function () {
  let now = 0;
  const store = (limitPerChannel = 10, maxChannels = 100) =>
    createMessageStore({ limitPerChannel, maxChannels, nowMs: () => now });

  beforeEach(function () {
    now = 1_000_000;
  });

  it('keeps only the newest limitPerChannel messages of a channel', function () {
    const s = store(3);
    for (const tt of [1, 2, 3, 4, 5]) s.add('c', msg(tt));
    assert.deepEqual(
      s.fetch('c', { max: 10 }).messages.map((m) => m.message),
      [3, 4, 5],
    );
  });

  it('returns the newest max, oldest first, and says when more remain', function () {
    const s = store();
    for (const tt of [1, 2, 3, 4, 5]) s.add('c', msg(tt));
    const page = s.fetch('c', { max: 2 });
    assert.deepEqual(
      page.messages.map((m) => m.message),
      [4, 5],
    );
    assert.equal(page.more, true);
    assert.equal(s.fetch('c', { max: 5 }).more, false);
  });

  it('treats start as exclusive and end as inclusive', function () {
    const s = store();
    for (const tt of [10, 20, 30, 40]) s.add('c', msg(tt));
    const pick = (range: { start?: number; end?: number }): unknown[] =>
      s
        .fetch('c', {
          max: 10,
          ...(range.start !== undefined ? { start: BigInt(range.start) } : {}),
          ...(range.end !== undefined ? { end: BigInt(range.end) } : {}),
        })
        .messages.map((m) => m.message);
    assert.deepEqual(pick({ start: 30 }), [10, 20]);
    assert.deepEqual(pick({ end: 20 }), [20, 30, 40]);
    assert.deepEqual(pick({ start: 40, end: 20 }), [20, 30]);
  });

  it('forgets messages after their ttl', function () {
    const s = store();
    s.add('c', msg(1, { expiresAtMs: now + 1000 }));
    s.add('c', msg(2));
    now += 1000;
    assert.deepEqual(
      s.fetch('c', { max: 10 }).messages.map((m) => m.message),
      [2],
    );
  });

  it('evicts the least recently published channel past maxChannels', function () {
    const s = store(10, 2);
    s.add('a', msg(1));
    s.add('b', msg(2));
    s.add('a', msg(3));
    s.add('c', msg(4));
    assert.equal(s.channelCount(), 2);
    assert.equal(s.fetch('b', { max: 10 }).messages.length, 0);
    assert.equal(s.fetch('a', { max: 10 }).messages.length, 2);
  });

  it('deletes start < tt ≤ end and counts messages after a timetoken', function () {
    const s = store();
    for (const tt of [10, 20, 30]) s.add('c', msg(tt));
    assert.equal(s.countAfter('c', 10n), 2);
    assert.equal(s.delete('c', { start: 19n, end: 20n }), 1);
    assert.deepEqual(
      s.fetch('c', { max: 10 }).messages.map((m) => m.message),
      [10, 30],
    );
    assert.equal(s.delete('c', {}), 2);
    assert.equal(s.countAfter('c', 0n), 0);
  });
});
