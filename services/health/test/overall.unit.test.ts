import { strict as assert } from 'node:assert';
import {
  computeSlis,
  formatPercent,
  formatSeconds,
  overallStatus,
  type ComponentName,
  type ComponentReport,
  type Level,
  type OutboxReport,
} from '../src/index.ts';

function components(
  levels: Partial<Record<ComponentName, Level>> = {},
): Record<ComponentName, ComponentReport> {
  const of = (name: ComponentName): ComponentReport => ({
    level: levels[name] ?? 'up',
    summary: 'fine',
    items: [],
  });
  return {
    postgres: of('postgres'),
    redis: of('redis'),
    pubnub: of('pubnub'),
    broadcaster: of('broadcaster'),
    'timer-monitor': of('timer-monitor'),
  };
}

const outbox: OutboxReport = { backlog: 0, backlogCapped: false, oldestAgeSeconds: 0, deadLetters: 0 };
const canary = { settled: 100, receivedInTime: 100, deliveryRatio: 1, latencyP95Ms: 150, inFlight: 1 };

function slis(overrides: Partial<Parameters<typeof computeSlis>[0]> = {}) {
  return computeSlis({
    canaryEnabled: true,
    canary,
    canaryWindowMs: 300_000,
    timerLagP99Seconds: 0.004,
    timerLagObservations: 40,
    timerLagWindowMs: 300_000,
    outbox,
    ...overrides,
  });
}

const notInCluster = { inCluster: false as const, detail: 'not in a cluster' };

describe('overall status and SLIs', () => {
  it('is ok when everything is green', () => {
    assert.deepEqual(
      overallStatus({
        components: components(),
        slis: slis(),
        outbox,
        games: { overdue: 0, oldestOverdueSeconds: 0 },
        kubernetes: notInCluster,
      }),
      { status: 'ok', reasons: [] },
    );
  });

  it('is down when a component is down, listing red reasons before amber ones', () => {
    const result = overallStatus({
      components: components({ broadcaster: 'degraded', pubnub: 'down' }),
      slis: slis(),
      outbox,
      games: null,
      kubernetes: notInCluster,
    });
    assert.equal(result.status, 'down');
    assert.deepEqual(result.reasons, ['PubNub is down: fine', 'Broadcaster is degraded: fine']);
  });

  it('ignores components that are off', () => {
    assert.equal(
      overallStatus({
        components: components({ redis: 'off' }),
        slis: slis(),
        outbox,
        games: null,
        kubernetes: notInCluster,
      }).status,
      'ok',
    );
  });

  it('is degraded for overdue games, dead letters, a rollout or an SLI below its objective', () => {
    const degraded = (input: Partial<Parameters<typeof overallStatus>[0]>) =>
      overallStatus({
        components: components(),
        slis: slis(),
        outbox,
        games: null,
        kubernetes: notInCluster,
        ...input,
      });
    assert.match(
      degraded({ games: { overdue: 3, oldestOverdueSeconds: 12.5 } }).reasons[0] ?? '',
      /3 game\(s\) overdue, the oldest by 12.5 s/,
    );
    assert.match(degraded({ outbox: { ...outbox, deadLetters: 2 } }).reasons[0] ?? '', /2 dead-lettered/);
    const rollout = degraded({
      kubernetes: {
        inCluster: true,
        namespace: 'ns',
        labelSelector: 's',
        level: 'degraded',
        detail: 'x: 1 of 2 updated',
        deployments: [],
      },
    });
    assert.equal(rollout.status, 'degraded');
    const slow = degraded({ slis: slis({ canary: { ...canary, latencyP95Ms: 2500 } }) });
    assert.equal(slow.status, 'degraded');
    assert.match(slow.reasons[0] ?? '', /Canary latency p95 \(end to end\): 2.5 s \(objective < 2 s\)/);
  });

  it('grades canary delivery against 99.5 % (amber) and 95 % (red)', () => {
    const level = (ratio: number | null) =>
      slis({ canary: { ...canary, deliveryRatio: ratio } }).find((s) => s.key === 'canary_delivery')?.level;
    assert.equal(level(1), 'up');
    assert.equal(level(0.995), 'up');
    assert.equal(level(0.99), 'degraded');
    assert.equal(level(0.5), 'down');
    assert.equal(level(null), 'off');
  });

  it('grades timer lag against 5 s and the outbox age against 30 s and 120 s', () => {
    const lag = (v: number | null) => slis({ timerLagP99Seconds: v }).find((s) => s.key === 'timer_lag_p99');
    assert.equal(lag(0.01)?.level, 'up');
    assert.equal(lag(6)?.level, 'degraded');
    assert.equal(lag(31)?.level, 'down');
    assert.equal(lag(null)?.display, 'no timed transitions');
    const age = (v: number) =>
      slis({ outbox: { ...outbox, oldestAgeSeconds: v } }).find((s) => s.key === 'outbox_oldest_age')?.level;
    assert.equal(age(1), 'up');
    assert.equal(age(45), 'degraded');
    assert.equal(age(300), 'down');
    const unknown = slis({ outbox: null }).find((s) => s.key === 'outbox_oldest_age');
    assert.equal(unknown?.level, 'down');
  });

  it('formats durations and ratios for people', () => {
    assert.equal(formatSeconds(0.0042), '4 ms');
    assert.equal(formatSeconds(1.234), '1.23 s');
    assert.equal(formatSeconds(125), '2 min 5 s');
    assert.equal(formatSeconds(7260), '2 h 1 min');
    assert.equal(formatPercent(1), '100 %');
    assert.equal(formatPercent(0.9951), '99.51 %');
    assert.equal(formatPercent(0.5), '50.0 %');
  });
});
