import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  adminAnswer,
  countOutbox,
  IngestClient,
  percentile,
  ProbeSampler,
  reconcile,
  startDatabaseFaultStack,
  waitAllPublished,
  type DatabaseFaultStack,
} from './databaseFaultRun.ts';

const faultMs = 5000;
/** One event every 20 ms: 50 requests/s, sequenced game events and user events alternating. */
const everyMs = 20;

describe('fault: database refusing connections during steady ingest (5 s)', function () {
  this.timeout(120_000);
  let stack: DatabaseFaultStack;

  before(async () => {
    stack = await startDatabaseFaultStack(20);
  });
  after(async () => {
    await stack.stop();
  });

  it('answers 503 + Retry-After within 3 s, never 500; accepts again within 10 s; nothing lost, nothing written twice', async () => {
    const { broadcaster, proxy } = stack;
    const probes = new ProbeSampler(broadcaster.url);
    const client = new IngestClient(broadcaster.url, stack.games, everyMs);
    await sleep(2000);

    const injectedAt = Date.now();
    await proxy.setMode('refuse');
    await sleep(500);
    const admin = await adminAnswer(broadcaster.url);
    await sleep(Math.max(0, injectedAt + faultMs - Date.now()));
    const recoveredAt = Date.now();
    await proxy.setMode('forward');
    await sleep(3000);
    await client.stop();
    await probes.stop();

    const attempts = client.attempts;
    const during = attempts.filter((a) => a.status === 503);
    const serverErrors = attempts.filter((a) => a.status !== 202 && a.status !== 503);
    const firstOkAfter = attempts
      .filter((a) => a.status === 202 && a.at >= recoveredAt)
      .reduce((min, a) => Math.min(min, a.at + a.ms), Number.POSITIVE_INFINITY);
    const notReady = probes.firstAfter(injectedAt, (s) => !s.ready);
    const readyAgain = probes.firstAfter(recoveredAt, (s) => s.ready);
    const drainMs = await waitAllPublished(stack.pool, 30_000);
    const outbox = await countOutbox(stack.pool);
    const check = reconcile(client.fates, outbox);
    const causes = [...new Set(during.map((a) => `${a.cause ?? '?'}/${a.outcome ?? '?'}`))].join(', ');

    console.log(
      `    requests ${attempts.length} (events ${client.fates.length}); 503 ${during.length} (${causes}), ` +
        `max 503 latency ${Math.max(0, ...during.map((a) => a.ms))} ms, p99 ${percentile(
          during.map((a) => a.ms),
          99,
        )} ms; other non-202 ${serverErrors.length}; admin route during the fault ${admin.status} ` +
        `(Retry-After ${admin.retryAfter ?? '-'})`,
    );
    console.log(
      `    first 202 ${firstOkAfter - recoveredAt} ms after the database came back; readiness false ` +
        `${notReady ? notReady.at - injectedAt : '-'} ms after the fault ("${notReady?.detail ?? ''}"), ` +
        `true again ${readyAgain ? readyAgain.at - recoveredAt : '-'} ms after the return`,
    );
    console.log(
      `    outbox vs client: accepted ${check.accepted}, lost ${check.lost.length}, written twice ` +
        `${check.duplicates.length} (events with an "outcome unknown" 503: ${check.outcomeUnknown}, ` +
        `accepted by an idempotent replay: ${check.replayed}), ` +
        `written although refused ${check.writtenButRefused.length}, games with a sequence gap ${outbox.gappedGames}; ` +
        `every row published ${drainMs} ms after the client stopped`,
    );

    assert.ok(during.length >= 20, `the fault was felt (${during.length} answers 503)`);
    assert.deepEqual(serverErrors, [], 'every answer is 202 or 503');
    for (const a of during) {
      assert.ok(a.retryAfter !== null && Number(a.retryAfter) >= 1, 'every 503 has Retry-After');
      assert.ok(a.ms <= 3000, `503 within 3 s (${a.ms} ms)`);
      assert.equal(a.code, 'unavailable');
    }
    assert.ok(
      during.some((a) => a.cause === 'connection' && a.outcome === 'not_written'),
      'a refused connection says so',
    );
    assert.equal(admin.status, 503, 'the admin API maps the database cause the same way');
    assert.ok(admin.retryAfter !== null);
    assert.ok(firstOkAfter - recoveredAt <= 10_000, `accepted again within 10 s`);
    assert.ok(notReady && notReady.at - injectedAt <= 10_000, 'readiness false during the fault');
    assert.match(notReady.detail, /connection \(ECONNREFUSED\)|no answer/);
    assert.ok(readyAgain, 'ready again after the return');
    assert.equal(check.notAccepted, 0, 'the client got every event accepted in the end');
    assert.deepEqual(check.lost, [], 'nothing the client was told 202 for is missing');
    assert.deepEqual(check.duplicates, [], 'nothing written twice (Idempotency-Key on every retry)');
    assert.deepEqual(check.writtenButRefused, []);
    assert.equal(outbox.gappedGames, 0, 'per-game sequences 1..n without a gap');
  });
});
