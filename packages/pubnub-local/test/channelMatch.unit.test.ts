import { strict as assert } from 'node:assert';
import { createChannelMatcher, isWildcard, wildcardMatches } from '../src/channelMatch.ts';

describe('channel matching', function () {
  it('matches a.* against every channel under a.', function () {
    assert.equal(wildcardMatches('game.*', 'game.123'), true);
    assert.equal(wildcardMatches('game.*', 'game.123.chat'), true);
    assert.equal(wildcardMatches('game.*', 'game.'), false);
    assert.equal(wildcardMatches('game.*', 'game'), false);
    assert.equal(wildcardMatches('game.*', 'gamer.1'), false);
    assert.equal(wildcardMatches('game.*', 'user.1'), false);
    assert.equal(wildcardMatches('a.b.*', 'a.b.c'), true);
    assert.equal(wildcardMatches('a.b.*', 'a.c.d'), false);
  });

  it('keeps presence twins apart from their channels', function () {
    assert.equal(wildcardMatches('game.*', 'game.1-pnpres'), false);
    assert.equal(wildcardMatches('game.*-pnpres', 'game.1-pnpres'), true);
    assert.equal(wildcardMatches('game.*-pnpres', 'game.1'), false);
    assert.equal(wildcardMatches('game.*-pnpres', 'game.-pnpres'), false);
  });

  it('never treats a plain name as a pattern', function () {
    assert.equal(isWildcard('game.1'), false);
    assert.equal(isWildcard('game.*'), true);
    assert.equal(isWildcard('game.*-pnpres'), true);
    assert.equal(wildcardMatches('game.1', 'game.1'), false);
  });

  it('returns the subscription name: the channel itself, the pattern, or the group', function () {
    const match = createChannelMatcher({
      channels: ['lobby', 'lobby-pnpres', 'game.*'],
      groups: new Map([
        ['friends', new Set(['user.1', 'user.2'])],
        ['friends-pnpres', new Set(['user.1', 'user.2'])],
      ]),
    });
    assert.equal(match('lobby'), 'lobby');
    assert.equal(match('lobby-pnpres'), 'lobby-pnpres');
    assert.equal(match('game.42'), 'game.*');
    assert.equal(match('game.42-pnpres'), undefined);
    assert.equal(match('user.2'), 'friends');
    assert.equal(match('user.2-pnpres'), 'friends-pnpres');
    assert.equal(match('user.3'), undefined);
    assert.equal(match('other'), undefined);
  });

  it('prefers an exact subscription over a pattern covering the same channel', function () {
    const match = createChannelMatcher({ channels: ['game.*', 'game.7'], groups: new Map() });
    assert.equal(match('game.7'), 'game.7');
    assert.equal(match('game.8'), 'game.*');
  });
});
