import { strict as assert } from 'node:assert';
import { createChannelMatcher } from '../src/channelMatch.ts';
import { createDeliveryBuffer } from '../src/deliveryBuffer.ts';
import type { Envelope } from '../src/envelope.ts';

function envelope(channel: string, tt: number): Envelope {
  return { a: '1', f: 0, p: { t: String(tt), r: 1 }, k: 'k', c: channel, d: tt };
}

describe('delivery buffer', function () {
  let now = 0;
  const buffer = (perChannel = 10, maxAgeMs = 60_000, maxChannels = 100) =>
    createDeliveryBuffer({ perChannel, maxAgeMs, maxChannels, nowMs: () => now });
  const all = createChannelMatcher({ channels: ['a', 'b', 'w.*'], groups: new Map() });

  beforeEach(function () {
    now = 0;
  });

  it('merges channels in timetoken order and returns only events after the cursor', function () {
    const b = buffer();
    b.append(1n, envelope('a', 1));
    b.append(2n, envelope('b', 2));
    b.append(3n, envelope('a', 3));
    b.append(4n, envelope('other', 4));
    assert.deepEqual(
      b.collect(all, 1n, 100).map((e) => e.envelope.d),
      [2, 3],
    );
    assert.deepEqual(
      b.collect(all, 0n, 2).map((e) => e.tt),
      [1n, 2n],
    );
  });

  it('fills in b only when the event matched under another name', function () {
    const b = buffer();
    b.append(1n, envelope('w.1', 1));
    b.append(2n, envelope('a', 2));
    const [wild, plain] = b.collect(all, 0n, 10);
    assert.equal(wild?.envelope.b, 'w.*');
    assert.equal(plain && 'b' in plain.envelope, false);
  });

  it('drops the oldest events past perChannel and after maxAgeMs', function () {
    const b = buffer(2, 1000);
    b.append(1n, envelope('a', 1));
    now = 500;
    b.append(2n, envelope('a', 2));
    b.append(3n, envelope('a', 3));
    assert.deepEqual(
      b.collect(all, 0n, 10).map((e) => e.tt),
      [2n, 3n],
    );
    now = 1500;
    assert.deepEqual(b.collect(all, 0n, 10), []);
  });

  it('evicts the least recently used channel past maxChannels', function () {
    const b = buffer(10, 60_000, 1);
    b.append(1n, envelope('a', 1));
    b.append(2n, envelope('b', 2));
    assert.deepEqual(
      b.collect(all, 0n, 10).map((e) => e.envelope.c),
      ['b'],
    );
  });
});
