import { strict as assert } from 'node:assert';
import { checkSeal, gameIdsOfChannels, sealKeyOf, sealOf } from '../src/access/catchupSeal.ts';

describe('catch-up seal', () => {
  const key = sealKeyOf('sec-c-test-only');
  const claims = { userId: 'alice', gameIds: ['b', 'A'], expiresAtSeconds: 1_000 };
  const seal = sealOf(key, claims);

  it('checks for the same user and games in any order or case, until it expires', () => {
    assert.deepEqual(checkSeal(key, seal, { userId: 'alice', gameIds: ['a', 'B'] }, 999_999), {
      ok: true,
      expiresAtSeconds: 1_000,
    });
    assert.deepEqual(checkSeal(key, seal, { userId: 'alice', gameIds: ['a', 'b'] }, 1_000_000), {
      ok: false,
      reason: 'expired',
    });
  });

  it('refuses another user, more or fewer games, another key, a changed expiry and garbage', () => {
    const invalid = { ok: false, reason: 'invalid' };
    assert.deepEqual(checkSeal(key, seal, { userId: 'bob', gameIds: ['a', 'b'] }, 0), invalid);
    assert.deepEqual(checkSeal(key, seal, { userId: 'alice', gameIds: ['a', 'b', 'c'] }, 0), invalid);
    assert.deepEqual(checkSeal(key, seal, { userId: 'alice', gameIds: ['a'] }, 0), invalid);
    assert.deepEqual(
      checkSeal(sealKeyOf('other'), seal, { userId: 'alice', gameIds: ['a', 'b'] }, 0),
      invalid,
    );
    const later = seal.replace('v1.1000.', 'v1.9999.');
    assert.deepEqual(checkSeal(key, later, { userId: 'alice', gameIds: ['a', 'b'] }, 0), invalid);
    assert.deepEqual(checkSeal(key, 'v1.x.y', { userId: 'alice', gameIds: ['a', 'b'] }, 0), invalid);
  });

  it('takes the games from game.<uuid> channels only', () => {
    const id = '4F9A7A4E-3B1F-4C65-9D55-0C2B8E3F1A77';
    assert.deepEqual(
      gameIdsOfChannels([`game.${id}`, `game.${id}-pnpres`, `presence.${id}`, 'user.alice', 'game.x']),
      [id.toLowerCase()],
    );
  });
});
