import { strict as assert } from 'node:assert';
import { ManualClock } from '@sketchyaf/testkit/manualClock';
import { loadBroadcasterConfig } from '../src/index.ts';
import { createAccessParts } from '../src/access/accessParts.ts';
import { writerSettingsOf } from '../src/ingest/writerSettings.ts';

// The parts the broadcaster is wired from, chosen by its configuration; none of these connects.
describe('broadcaster composition parts', () => {
  it('player access only with Access Manager (PUBNUB_SECRET_KEY)', () => {
    const clock = new ManualClock();
    assert.deepEqual(createAccessParts(loadBroadcasterConfig({ LOG_LEVEL: 'silent' }), clock), {
      granter: null,
      playerCredentials: null,
    });
    const parts = createAccessParts(
      loadBroadcasterConfig({ LOG_LEVEL: 'silent', PUBNUB_SECRET_KEY: 'sec-c-test' }),
      clock,
    );
    assert.ok(parts.granter && parts.playerCredentials);
    parts.granter.close();
    parts.playerCredentials.close();
  });

  it("the writer's group commit and admission limits come from INGEST_*", () => {
    const config = loadBroadcasterConfig({
      LOG_LEVEL: 'silent',
      INGEST_COMMIT_WAIT_MS: '7',
      INGEST_QUEUE_MAX_EVENTS: '1234',
    });
    const settings = writerSettingsOf(config.ingest);
    assert.equal(settings.maxWaitMs, 7);
    assert.equal(settings.queueLimits.maxEvents, 1234);
    assert.equal(settings.maxInFlight, config.ingest.commitMaxInFlight);
    assert.equal(settings.busyWaitMs, config.ingest.busyWaitMs);
    assert.equal(settings.queueTimeoutMs, config.ingest.commitQueueTimeoutMs);
    assert.deepEqual(settings.queueLimits, {
      maxEvents: 1234,
      maxRequests: config.ingest.queueMaxRequests,
      maxWaitMs: config.ingest.queueMaxWaitMs,
      maxLoopLagMs: config.ingest.maxLoopLagMs,
    });
  });
});
