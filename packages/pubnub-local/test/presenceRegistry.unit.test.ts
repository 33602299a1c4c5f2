import { strict as assert } from 'node:assert';
import { createPresenceRegistry, type PresenceEvent } from '../src/presence.ts';

describe('presence registry', function () {
  let now: number;
  let events: PresenceEvent[];
  const registry = () => createPresenceRegistry({ nowMs: () => now, onEvent: (e) => events.push(e) });
  const summary = () => events.map((e) => `${e.action}:${e.uuid}@${e.channel}=${e.occupancy}`);

  beforeEach(function () {
    now = 0;
    events = [];
  });

  it('announces a join once per uuid and channel, then a leave', function () {
    const r = registry();
    r.heartbeat('a', ['c1', 'c2'], 60);
    r.heartbeat('a', ['c1'], 60);
    r.heartbeat('b', ['c1'], 60);
    r.leave('a', ['c1', 'c2', 'never-joined']);
    assert.deepEqual(summary(), [
      'join:a@c1=1',
      'join:a@c2=1',
      'join:b@c1=2',
      'leave:a@c1=1',
      'leave:a@c2=0',
    ]);
    assert.deepEqual(r.occupiedChannels(), ['c1']);
    assert.deepEqual(r.whereNow('b'), ['c1']);
  });

  it('times out a uuid whose heartbeats stopped, but not one that renewed', function () {
    const r = registry();
    r.heartbeat('a', ['c'], 10);
    r.heartbeat('b', ['c'], 10);
    now = 9_000;
    r.heartbeat('b', ['c'], 10);
    now = 10_000;
    r.expire();
    assert.deepEqual(summary().slice(2), ['timeout:a@c=1']);
    assert.deepEqual(
      r.occupants('c').map((o) => o.uuid),
      ['b'],
    );
  });

  it('keeps state per uuid and channel, announces changes, and drops it on leave', function () {
    const r = registry();
    r.heartbeat('a', ['c'], 60, { c: { mood: 'happy' } });
    assert.deepEqual(r.occupants('c'), [{ uuid: 'a', state: { mood: 'happy' } }]);
    r.setState('a', ['c'], { mood: 'busy' });
    assert.deepEqual(events.at(-1)?.state, { mood: 'busy' });
    assert.equal(events.at(-1)?.action, 'state-change');
    r.leave('a', ['c']);
    assert.equal(r.getState('a', 'c'), undefined);
  });
});
