import { strict as assert } from 'node:assert';
import { Registry } from 'prom-client';
import { createSilentLogger, systemClock } from '@sketchyaf/core';
import { createBroadcasterMetrics } from '../src/metrics.ts';
import { isOutboxWake, outboxNotificationHandler } from '../src/relay/outboxNotifications.ts';

describe('realtime_outbox notifications', () => {
  it('take only the empty payload the trigger sends as a wake', () => {
    assert.equal(isOutboxWake(''), true);
    assert.equal(isOutboxWake(undefined), true);
    for (const bad of [' ', 'wake', '{}', 'z'.repeat(7000)]) assert.equal(isOutboxWake(bad), false, bad);
  });

  it('wake the relay for each wake, and count garbage without waking it', async () => {
    const registry = new Registry();
    const metrics = createBroadcasterMetrics(registry);
    let wakes = 0;
    const handle = outboxNotificationHandler({
      wake: () => (wakes += 1),
      metrics,
      logger: createSilentLogger(),
      clock: systemClock,
    });
    for (let i = 0; i < 1000; i += 1) handle(`garbage ${i}`);
    handle('');
    handle('');
    assert.equal(wakes, 2);
    const values = (await metrics.outboxNotifications.get()).values;
    const count = (kind: string): number => values.find((v) => v.labels['kind'] === kind)?.value ?? 0;
    assert.equal(count('malformed'), 1000);
    assert.equal(count('wake'), 2);
  });
});
