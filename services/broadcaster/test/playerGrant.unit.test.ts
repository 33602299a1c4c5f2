import { strict as assert } from 'node:assert';
import { accessTokenBody, expiryOf, playerGrantOf } from '../src/access/playerGrant.ts';

const game1 = '4F9A7A4E-3B1F-4C65-9D55-0C2B8E3F1A77';
const game2 = '0b6c2a52-8d0e-4a43-9d57-1f2b3c4d5e6f';

describe('player grants', () => {
  it('reads each game, its presence channels and the user channel, nothing else', () => {
    const grant = playerGrantOf({ userId: 'A', gameIds: [game1, game2, game1], ttlMinutes: 30 });
    const g1 = game1.toLowerCase();
    assert.deepEqual(grant, {
      authorizedUserId: 'A',
      ttlMinutes: 30,
      channels: [
        `game.${g1}`,
        `game.${g1}-pnpres`,
        `presence.${g1}`,
        `game.${game2}`,
        `game.${game2}-pnpres`,
        `presence.${game2}`,
        'user.A',
      ],
    });
  });

  it('validates the body: user id as the catalogue, 1-100 uuids, ttl 1-1440 minutes (60 by default)', () => {
    assert.equal(accessTokenBody.parse({ userId: 'u-1', gameIds: [game1] }).ttlMinutes, 60);
    const bad = [
      { userId: 'a.b', gameIds: [game1] },
      { userId: '', gameIds: [game1] },
      { userId: 'A', gameIds: [] },
      { userId: 'A', gameIds: ['not-a-uuid'] },
      { userId: 'A', gameIds: Array.from({ length: 101 }, () => game1) },
      { userId: 'A', gameIds: [game1], ttlMinutes: 0 },
      { userId: 'A', gameIds: [game1], ttlMinutes: 1441 },
      { userId: 'A', gameIds: [game1], ttlMinutes: 1.5 },
      { userId: 'A', gameIds: [game1], extra: true },
    ];
    for (const body of bad) assert.ok(!accessTokenBody.safeParse(body).success, JSON.stringify(body));
  });

  it('expires ttl minutes after the timestamp PubNub stamped', () => {
    assert.equal(expiryOf(1_700_000_000, 60).toISOString(), new Date(1_700_003_600_000).toISOString());
  });
});
