import { strict as assert } from 'node:assert';
import { shardOf } from '@sketchyaf/core';
import { buildEnvelope, channelFor, maxEnvelopeBytes, outboxShardOf, parseChannel } from '../src/index.ts';
import { envelopeBytes } from '../src/events/envelope.ts';

const gameId = '4f9a7a4e-3b1f-4c65-9d55-0c2b8e3f1a77';
const base = {
  eventId: '2b1e5a7c-1d2e-4f3a-8b9c-0d1e2f3a4b5c',
  type: 'player_joined',
  occurredAt: new Date('2025-03-01T12:00:00.000Z'),
  requestId: 'req-1',
  source: 'api' as const,
  data: { playerId: 'p1', displayName: 'Ann' },
};

describe('channel routing', () => {
  it('routes each scope to its channel, lower-casing game ids', () => {
    assert.equal(channelFor({ scope: 'game', gameId: gameId.toUpperCase() }), `game.${gameId}`);
    assert.equal(channelFor({ scope: 'presence', gameId }), `presence.${gameId}`);
    assert.equal(channelFor({ scope: 'user', userId: 'U_42' }), 'user.U_42');
  });

  it('parseChannel inverts channelFor and refuses anything else', () => {
    for (const target of [
      { scope: 'game' as const, gameId },
      { scope: 'presence' as const, gameId },
      { scope: 'user' as const, userId: 'abc-1' },
    ]) {
      assert.deepEqual(parseChannel(channelFor(target)), target);
    }
    for (const bad of ['game', 'game.', 'game.a.b', 'lobby.x', 'user.a b', 'user.*', '']) {
      assert.equal(parseChannel(bad), undefined, bad);
    }
  });

  it('shards game events by game and others by lower-cased channel', () => {
    assert.equal(outboxShardOf(gameId, `game.${gameId}`, 64), shardOf(gameId, 64));
    assert.equal(outboxShardOf(null, 'user.ABC', 64), shardOf('user.abc', 64));
  });
});

describe('v2.0.0 envelope', () => {
  it('game events carry gameId and sequence, keys in the documented order', () => {
    const envelope = buildEnvelope({ ...base, gameId, sequence: 7, channel: `game.${gameId}` });
    assert.deepEqual(Object.keys(envelope), [
      'version',
      'eventId',
      'type',
      'gameId',
      'sequence',
      'occurredAt',
      'requestId',
      'source',
      'data',
    ]);
    assert.equal(envelope.version, '2.0.0');
    assert.equal(envelope.sequence, 7);
    assert.equal(envelope.occurredAt, '2025-03-01T12:00:00.000Z');
  });

  it('user events carry userId; presence events gameId without sequence', () => {
    const user = buildEnvelope({
      ...base,
      type: 'user_notification',
      gameId: null,
      sequence: null,
      channel: 'user.u1',
    });
    assert.equal(user.userId, 'u1');
    assert.equal(user.gameId, undefined);
    assert.equal(user.sequence, undefined);
    const presence = buildEnvelope({ ...base, gameId: null, sequence: null, channel: `presence.${gameId}` });
    assert.equal(presence.gameId, gameId);
    assert.equal(presence.sequence, undefined);
  });

  it('sizes an event with the longest possible sequence', () => {
    const fields = { ...base, gameId, channel: `game.${gameId}` };
    const actual = Buffer.byteLength(JSON.stringify(buildEnvelope({ ...fields, sequence: 1 })));
    const { data, ...rest } = fields;
    assert.equal(
      envelopeBytes(rest, JSON.stringify(data)),
      actual + String(Number.MAX_SAFE_INTEGER).length - 1,
    );
    const unicode = { ...base, data: { text: 'é\u0001😀' }, gameId: null, channel: 'user.u1' };
    const { data: d2, ...rest2 } = unicode;
    assert.equal(
      envelopeBytes(rest2, JSON.stringify(d2)),
      Buffer.byteLength(JSON.stringify(buildEnvelope({ ...unicode, sequence: null }))),
    );
    assert.equal(maxEnvelopeBytes, 32768);
  });
});
