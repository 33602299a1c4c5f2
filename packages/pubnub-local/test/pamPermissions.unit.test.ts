import { strict as assert } from 'node:assert';
import { decideAccess, requiredAccess, type Requirement } from '../src/pam/permissions.ts';
import { DELETE, MANAGE, READ, WRITE, type Grant } from '../src/pam/token.ts';

const none = { channels: {}, groups: {}, uuids: {} };

function grant(fields: Partial<Grant>): Grant {
  return { timestampSec: 0, ttlMinutes: 1, resources: none, patterns: none, meta: {}, ...fields };
}

function tokenRequirement(method: string, path: string, query = ''): Extract<Requirement, { kind: 'token' }> {
  const required = requiredAccess(method, path.split('/').slice(1), new URLSearchParams(query));
  assert.equal(required.kind, 'token');
  return required;
}

describe('pam/permissions', function () {
  it('maps each route to the permissions it needs', function () {
    assert.deepEqual(requiredAccess('GET', ['time', '0'], new URLSearchParams()), { kind: 'open' });
    assert.deepEqual(tokenRequirement('GET', '/publish/p/s/0/c/0/1').channels, [{ name: 'c', bit: WRITE }]);
    assert.deepEqual(tokenRequirement('GET', '/v2/subscribe/s/a,a-pnpres/0', 'channel-group=g'), {
      kind: 'token',
      channels: [
        { name: 'a', bit: READ },
        { name: 'a-pnpres', bit: READ },
      ],
      groups: [{ name: 'g', bit: READ }],
    });
    assert.deepEqual(tokenRequirement('GET', '/v2/presence/sub-key/s/channel/a').channels, [
      { name: 'a', bit: READ },
    ]);
    assert.deepEqual(tokenRequirement('DELETE', '/v3/history/sub-key/s/channel/a').channels, [
      { name: 'a', bit: DELETE },
    ]);
    assert.deepEqual(tokenRequirement('GET', '/v1/channel-registration/sub-key/s/channel-group/g').groups, [
      { name: 'g', bit: MANAGE },
    ]);
    assert.deepEqual(requiredAccess('GET', ['v2', 'presence', 'sub-key', 's'], new URLSearchParams()), {
      kind: 'signed',
    });
  });

  it('allows names granted by resource or by a whole-name pattern with every needed bit', function () {
    const token = grant({
      resources: { channels: { 'game.1': READ, 'user.A': WRITE }, groups: {}, uuids: {} },
      patterns: { channels: { 'game\\..*': READ }, groups: {}, uuids: {} },
    });
    const subscribe = tokenRequirement('GET', '/v2/subscribe/s/game.1,game.2,game.*/0');
    assert.deepEqual(decideAccess(token, subscribe, 'A'), { allowed: true });
    assert.deepEqual(decideAccess(token, tokenRequirement('GET', '/v2/subscribe/s/user.A,xgame.1/0'), 'A'), {
      allowed: false,
      channels: ['user.A', 'xgame.1'],
      groups: [],
    });
    assert.deepEqual(decideAccess(token, tokenRequirement('GET', '/publish/p/s/0/user.A/0/1'), 'A'), {
      allowed: true,
    });
  });

  it('refuses a uuid other than the authorized one', function () {
    const token = grant({
      resources: { channels: { c: READ }, groups: {}, uuids: {} },
      authorizedUuid: 'A',
    });
    const history = tokenRequirement('GET', '/v3/history/sub-key/s/channel/c');
    assert.deepEqual(decideAccess(token, history, 'A'), { allowed: true });
    assert.equal(decideAccess(token, history, 'B').allowed, false);
    assert.equal(decideAccess(token, history, null).allowed, false);
  });
});
