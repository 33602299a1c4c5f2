import { strict as assert } from 'node:assert';
import { IncidentLog } from '../src/index.ts';

describe('incident log', () => {
  it('records changes, not repeats, and a first sighting only when unhealthy', () => {
    const log = new IncidentLog(10);
    assert.equal(log.observe('postgres', 'up', 'fine', 't0'), undefined);
    assert.equal(log.observe('pubnub', 'down', 'unreachable', 't0')?.from, 'unknown');
    assert.equal(log.observe('postgres', 'up', 'fine', 't1'), undefined);
    log.observe('postgres', 'degraded', 'slow', 't2');
    log.observe('postgres', 'degraded', 'slower', 't3');
    log.observe('postgres', 'up', 'fine', 't4');
    assert.deepEqual(
      log.list().map((i) => `${i.at} ${i.subject} ${i.from}→${i.to} ${i.detail}`),
      ['t4 postgres degraded→up fine', 't2 postgres up→degraded slow', 't0 pubnub unknown→down unreachable'],
    );
  });

  it('keeps only the newest `capacity` incidents, newest first', () => {
    const log = new IncidentLog(3);
    for (let i = 0; i < 7; i += 1) log.observe('redis', i % 2 === 0 ? 'down' : 'up', `#${i}`, `t${i}`);
    assert.deepEqual(
      log.list().map((i) => i.detail),
      ['#6', '#5', '#4'],
    );
  });

  it('refuses a capacity that is not a positive integer', () => {
    assert.throws(() => new IncidentLog(0), RangeError);
    assert.throws(() => new IncidentLog(1.5), RangeError);
  });
});
