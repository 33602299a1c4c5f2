import { strict as assert } from 'node:assert';
import { StaticControlSource } from '@sketchyaf/control';
import { FileControlSource } from '@sketchyaf/control/agent';
import { createSilentLogger } from '@sketchyaf/core';
import { ManualClock } from '@sketchyaf/testkit/manualClock';
import { loadHealthConfig } from '../src/index.ts';
import { checksReadiness } from '../src/checker.ts';
import { deploymentReader } from '../src/checks/deploymentReader.ts';
import { redisPingerFor } from '../src/checks/redisPing.ts';
import { controlParts } from '../src/control/controlParts.ts';
import type { ReplicaDiscovery } from '../src/control/replicaTargets.ts';

const logger = createSilentLogger('health');

// The parts the health service is wired from, chosen by its configuration; none of these connects.
describe('health composition parts', () => {
  it('runtime control: a static source, or CONTROL_FILE, with the configured replica URLs; a discovery override wins', async () => {
    const clock = new ManualClock();
    const config = loadHealthConfig({
      BROADCASTER_URLS: 'http://127.0.0.1:1/',
      TIMER_MONITOR_URLS: 'http://127.0.0.1:2/',
    });
    const fixed = await controlParts(config, {}, logger, clock);
    assert.ok(fixed.source instanceof StaticControlSource);
    assert.equal(fixed.access, null);
    const targets = await fixed.discovery.targets();
    assert.deepEqual(
      targets.map((t) => t.component),
      ['broadcaster', 'timer-monitor'],
    );
    const fromFile = await controlParts(
      loadHealthConfig({ CONTROL_FILE: '/nonexistent/control.json' }),
      {},
      logger,
      clock,
    );
    assert.ok(fromFile.source instanceof FileControlSource);
    const discovery: ReplicaDiscovery = { targets: () => Promise.resolve([]) };
    assert.equal(
      (await controlParts(config, { controlDiscovery: discovery }, logger, clock)).discovery,
      discovery,
    );
  });

  it('Deployment status: none outside a cluster or when told "not in a cluster" (null access)', async () => {
    const config = loadHealthConfig({});
    assert.equal(config.kubernetes.inCluster, false);
    assert.equal(await deploymentReader(config, undefined, logger), null);
    assert.equal(await deploymentReader(config, null, logger), null);
  });

  it('Redis checks only with REDIS_URLS', () => {
    assert.equal(redisPingerFor(loadHealthConfig({}), logger), null);
  });

  it('ready once the first round of checks has a report', async () => {
    const checker: { latest: { checkedAt: string } | null } = { latest: null };
    const readiness = checksReadiness(checker);
    await assert.rejects(readiness.check(), /first round of checks has not finished/);
    checker.latest = { checkedAt: '2026-01-01T00:00:00.000Z' };
    assert.equal(await readiness.check(), 'last round 2026-01-01T00:00:00.000Z');
  });
});
