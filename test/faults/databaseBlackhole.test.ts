import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadBroadcasterConfig } from '../../services/broadcaster/src/index.ts';
import {
  countOutbox,
  IngestClient,
  percentile,
  ProbeSampler,
  reconcile,
  startDatabaseFaultStack,
  waitAllPublished,
  type DatabaseFaultStack,
} from './databaseFaultRun.ts';

const faultMs = 30_000;
/** One event every 40 ms: 25 requests/s, sequenced game events and user events alternating. */
const everyMs = 40;
/** Scheduling noise on a loaded 2-core machine, on top of the documented bound. */
const slackMs = 2000;

describe('fault: database blackholed (no byte either way, no close) for 30 s under load', function () {
  this.timeout(180_000);
  let stack: DatabaseFaultStack;
  // The defaults: the documented bound is what production runs with.
  const config = loadBroadcasterConfig({});
  /** README: queue timeout + connect timeout + statement timeout + query timeout margin. */
  const documentedBoundMs =
    config.ingest.commitQueueTimeoutMs +
    config.database.connectTimeoutMs +
    config.statementTimeoutMs +
    config.database.queryTimeoutMarginMs;

  before(async () => {
    stack = await startDatabaseFaultStack(20);
  });
  after(async () => {
    await stack.stop();
  });

  it('no request hangs past its bound; not ready and LISTEN replaced within 10 s; back within 10 s; nothing lost', async () => {
    const { broadcaster, proxy } = stack;
    const probes = new ProbeSampler(broadcaster.url);
    const client = new IngestClient(broadcaster.url, stack.games, everyMs);
    await sleep(2000);

    const injectedAt = Date.now();
    await proxy.setMode('blackhole');
    await sleep(Math.max(0, injectedAt + faultMs - Date.now()));
    const recoveredAt = Date.now();
    await proxy.setMode('forward');
    await sleep(5000);
    await client.stop();
    await probes.stop();

    const attempts = client.attempts;
    const answered503 = attempts.filter((a) => a.status === 503);
    const others = attempts.filter((a) => a.status !== 202 && a.status !== 503);
    const sentDuring = attempts.filter((a) => a.at >= injectedAt && a.at < recoveredAt);
    const maxMs = Math.max(0, ...attempts.map((a) => a.ms));
    const firstOkAfter = attempts
      .filter((a) => a.status === 202 && a.at + a.ms >= recoveredAt)
      .reduce((min, a) => Math.min(min, a.at + a.ms), Number.POSITIVE_INFINITY);
    const notReady = probes.firstAfter(injectedAt, (s) => !s.ready);
    const listenerDown = probes.firstAfter(injectedAt, (s) => s.listener === 0);
    const readyAgain = probes.firstAfter(recoveredAt, (s) => s.ready);
    const listenerUp = probes.firstAfter(recoveredAt, (s) => s.listener === 1);
    const drainMs = await waitAllPublished(stack.pool, 30_000);
    const outbox = await countOutbox(stack.pool);
    const check = reconcile(client.fates, outbox);
    const causes = new Map<string, number>();
    for (const a of answered503) {
      const key = `${a.cause ?? '?'}/${a.outcome ?? '?'}`;
      causes.set(key, (causes.get(key) ?? 0) + 1);
    }
    const unknownAtHeal = answered503.filter(
      (a) => a.outcome === 'unknown' && a.at + a.ms >= recoveredAt,
    ).length;
    const since = (t: number | undefined, from: number): string => (t === undefined ? '-' : `${t - from}`);

    console.log(
      `    requests ${attempts.length} (events ${client.fates.length}, ${sentDuring.length} sent during the fault); ` +
        `503 ${answered503.length} (${[...causes].map(([k, n]) => `${k} ${n}`).join(', ')}; "outcome unknown" ` +
        `answered once forwarding resumed ${unknownAtHeal}); other non-202 ${others.length}`,
    );
    console.log(
      `    latency during the fault: max ${maxMs} ms, p99 ${percentile(
        sentDuring.map((a) => a.ms),
        99,
      )} ms, p50 ${percentile(
        sentDuring.map((a) => a.ms),
        50,
      )} ms; documented bound ${documentedBoundMs} ms (+${slackMs} ms slack)`,
    );
    console.log(
      `    readiness false after ${since(notReady?.at, injectedAt)} ms ("${notReady?.detail ?? ''}"), ` +
        `LISTEN reported down after ${since(listenerDown?.at, injectedAt)} ms; after forwarding resumed: ` +
        `first 202 ${firstOkAfter - recoveredAt} ms, ready ${since(readyAgain?.at, recoveredAt)} ms, ` +
        `LISTEN up ${since(listenerUp?.at, recoveredAt)} ms`,
    );
    console.log(
      `    outbox vs client: accepted ${check.accepted}, lost ${check.lost.length}, written twice ` +
        `${check.duplicates.length} (events with an "outcome unknown" 503: ${check.outcomeUnknown}, ` +
        `accepted by an idempotent replay: ${check.replayed}), ` +
        `written although refused ${check.writtenButRefused.length}, games with a sequence gap ${outbox.gappedGames}; ` +
        `every row published ${drainMs} ms after the client stopped`,
    );

    assert.ok(answered503.length >= 10, `the fault was felt (${answered503.length} answers 503)`);
    assert.deepEqual(others, [], 'every answer is 202 or 503, none hung up');
    assert.ok(maxMs <= documentedBoundMs + slackMs, `no request past the bound (${maxMs} ms)`);
    for (const a of answered503) assert.ok(a.retryAfter !== null, 'every 503 has Retry-After');
    assert.ok(notReady && notReady.at - injectedAt <= 10_000, 'readiness false within 10 s');
    assert.match(
      notReady.detail,
      /^(timeout|database unavailable: (timeout|connection))/,
      'the cause is named',
    );
    assert.ok(listenerDown && listenerDown.at - injectedAt <= 10_000, 'LISTEN reported down within 10 s');
    assert.ok(firstOkAfter - recoveredAt <= 10_000, 'accepted again within 10 s of forwarding');
    assert.ok(readyAgain && readyAgain.at - recoveredAt <= 10_000, 'ready within 10 s');
    assert.ok(listenerUp && listenerUp.at - recoveredAt <= 10_000, 'LISTEN back within 10 s');
    assert.equal(check.notAccepted, 0, 'the client got every event accepted in the end');
    assert.deepEqual(check.lost, [], 'nothing lost');
    assert.deepEqual(check.duplicates, [], 'nothing written twice (Idempotency-Key on every retry)');
    assert.deepEqual(check.writtenButRefused, []);
    assert.equal(outbox.gappedGames, 0, 'per-game sequences 1..n without a gap');
  });
});
