import { strict as assert } from 'node:assert';
import {
  circuitStateOf,
  postgresReport,
  pubnubReport,
  redisNodeName,
  redisReport,
  replicasReport,
  type ProbeOutcome,
} from '../src/index.ts';

const ok = (ms = 3): ProbeOutcome => ({ ok: true, ms });
const fail = (error = 'connect ECONNREFUSED'): ProbeOutcome => ({ ok: false, ms: 1, error });

describe('component reports', () => {
  it('postgres: green when the ping answers, amber when slow, red when it does not', () => {
    assert.equal(postgresReport(ok()).level, 'up');
    assert.equal(postgresReport(ok(900)).level, 'degraded');
    const down = postgresReport(fail('no answer within 2000 ms'));
    assert.equal(down.level, 'down');
    assert.equal(down.summary, 'unreachable: no answer within 2000 ms');
  });

  it('redis: off when not configured; amber while a quorum answers; red without one', () => {
    assert.equal(redisReport(null).level, 'off');
    const nodes = (...outcomes: ProbeOutcome[]) =>
      outcomes.map((outcome, i) => ({ url: `redis://:secret@r${i}:6379`, outcome }));
    assert.equal(redisReport(nodes(ok(), ok(), ok())).level, 'up');
    const one = redisReport(nodes(ok(), ok(), fail()));
    assert.equal(one.level, 'degraded');
    assert.match(one.summary, /2 of 3 nodes answer PING \(quorum 2 still held\)/);
    const two = redisReport(nodes(ok(), fail(), fail()));
    assert.equal(two.level, 'down');
    assert.match(two.summary, /no quorum/);
    assert.ok(
      two.items.every((i) => !i.name.includes('secret')),
      'credentials never shown',
    );
  });

  it('never shows Redis credentials', () => {
    assert.equal(redisNodeName('redis://user:pw@cache.internal:6380/2'), 'cache.internal:6380');
    assert.equal(redisNodeName('rediss://cache'), 'cache:6379');
    assert.equal(redisNodeName('not a url'), 'redis node');
  });

  it('pubnub: red when unreachable or every circuit is open; amber when some are', () => {
    const closed = { replica: 'b1', state: circuitStateOf(0) };
    const open = { replica: 'b2', state: circuitStateOf(2) };
    const halfOpen = { replica: 'b3', state: circuitStateOf(1) };
    assert.equal(pubnubReport(ok(), [closed]).level, 'up');
    assert.equal(pubnubReport(ok(), []).level, 'up');
    assert.equal(pubnubReport(fail(), [closed]).level, 'down');
    assert.equal(pubnubReport(ok(), [open]).level, 'down');
    assert.match(pubnubReport(ok(), [open]).summary, /every relay's circuit is open/);
    assert.equal(pubnubReport(ok(), [closed, open]).level, 'degraded');
    assert.equal(pubnubReport(ok(), [closed, halfOpen]).level, 'degraded');
    assert.equal(pubnubReport(ok(), [{ replica: 'b4', state: circuitStateOf(undefined) }]).level, 'up');
  });

  it('replicas: all ready green, some amber, none red, naming what fails', () => {
    const r = (url: string, outcome: ProbeOutcome) => ({ url, outcome });
    assert.equal(replicasReport([r('http://a', ok())]).level, 'up');
    const some = replicasReport([
      r('http://a', ok()),
      r('http://b', fail('/readyz answered 503: database: down')),
    ]);
    assert.equal(some.level, 'degraded');
    assert.equal(some.summary, '1 of 2 ready: http://b: /readyz answered 503: database: down');
    assert.equal(replicasReport([r('http://a', fail())]).level, 'down');
    assert.equal(replicasReport([]).level, 'down');
    const relay = replicasReport([{ url: 'http://r', role: 'relay', outcome: ok() }]);
    assert.equal(relay.items[0]?.name, 'relay http://r');
  });
});
