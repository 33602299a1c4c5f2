import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  LeaseBook,
  LeaseHeldElsewhereError,
  LeaseReleasedError,
  classifyVotes,
  describeLeaseReadiness,
  leaseMarginMs,
  leaseValidUntil,
  quorumOf,
  LeaseError,
  type ShardLeasesStatus,
} from '../src/index.ts';

describe('classifyVotes', () => {
  it('names each failure for 1, 3 and 5 nodes', () => {
    const cases: [number, number, number, string | undefined][] = [
      // for, locked, failed -> reason
      [1, 0, 0, undefined],
      [0, 1, 0, 'held_elsewhere'],
      [0, 0, 1, 'redis_down'],
      [3, 0, 0, undefined],
      [2, 0, 1, undefined], // one node down still works
      [2, 1, 0, undefined],
      [1, 0, 2, 'no_quorum'], // two of three down
      [0, 1, 2, 'no_quorum'], // an answer that it is held, but no majority answered
      [0, 0, 3, 'redis_down'],
      [1, 2, 0, 'held_elsewhere'],
      [1, 1, 1, 'held_elsewhere'], // a majority answered; someone else has it
      [0, 3, 0, 'held_elsewhere'],
      [3, 0, 2, undefined],
      [2, 0, 3, 'no_quorum'],
      [2, 1, 2, 'held_elsewhere'],
      [0, 0, 5, 'redis_down'],
    ];
    for (const [yes, locked, failed, reason] of cases) {
      assert.equal(classifyVotes({ for: yes, locked, failed }), reason, `${yes}/${locked}/${failed}`);
    }
  });

  it('succeeds exactly when a majority agreed, and blames unreachable nodes only when they explain it', () => {
    fc.assert(
      fc.property(fc.nat(7), fc.nat(7), fc.nat(7), (yes, locked, failed) => {
        fc.pre(yes + locked + failed > 0);
        const nodes = yes + locked + failed;
        const reason = classifyVotes({ for: yes, locked, failed });
        assert.equal(reason === undefined, yes >= quorumOf(nodes));
        if (reason === 'held_elsewhere') assert.ok(locked > 0 && yes + locked >= quorumOf(nodes));
        if (reason === 'no_quorum' || reason === 'redis_down') assert.ok(nodes - failed < quorumOf(nodes));
        if (reason === 'redis_down') assert.equal(failed, nodes);
      }),
    );
  });

  it('quorum is a strict majority', () => {
    assert.deepEqual([1, 2, 3, 4, 5].map(quorumOf), [1, 2, 2, 3, 3]);
  });
});

describe('LeaseBook', () => {
  const timing = { ttlMs: 1000, marginMs: leaseMarginMs(1000) };

  it('counts validity from the request send time minus drift and safety margin', () => {
    assert.equal(leaseMarginMs(1000), 10 + 2 + 100);
    assert.equal(leaseMarginMs(5000, 0), 52);
    assert.equal(leaseValidUntil(500, timing), 500 + 1000 - 112);
    const book = new LeaseBook<string>(timing);
    assert.ok(book.grant(3, 'lock-a', 100, 150));
    assert.ok(book.isValid(3, 150));
    assert.ok(book.isValid(3, 987));
    assert.ok(
      !book.isValid(3, 988),
      'ends at TTL - margin after the send time, before Redis expires the key',
    );
    assert.equal(book.remainingMs(3, 900), 88);
    assert.deepEqual(book.expired(987), []);
    assert.deepEqual(book.expired(988), [3]);
    assert.equal(book.nextExpiry(), 988);
  });

  it('refuses a new lease whose answer came too late, and keeps an extended one on its old validity', () => {
    const book = new LeaseBook<string>(timing);
    assert.ok(!book.grant(1, 'late', 0, 888));
    assert.ok(!book.has(1));
    assert.ok(book.grant(2, 'first', 0, 10));
    assert.ok(!book.grant(2, 'second', 100, 988), 'too late to add validity');
    assert.equal(book.lockOf(2), 'second', 'the newest handle is kept: the old one is spent');
    assert.equal(book.nextExpiry(), 888);
    assert.ok(book.grant(2, 'third', 500, 600));
    assert.equal(book.nextExpiry(), 1388);
  });

  it('never shortens validity when extensions answer out of order', () => {
    const book = new LeaseBook<string>(timing);
    book.grant(1, 'a', 500, 510);
    book.grant(1, 'b', 200, 520);
    assert.equal(book.nextExpiry(), 1388);
  });

  it('aborts the shard signal with the reason when a lease is dropped; unheld shards have aborted signals', () => {
    const book = new LeaseBook<string>(timing);
    book.grant(5, 'lock', 0, 1);
    const signal = book.signal(5);
    assert.equal(signal.aborted, false);
    const reason = new LeaseHeldElsewhereError('taken', { shard: 5 });
    assert.equal(book.drop(5, reason), 'lock');
    assert.equal(signal.aborted, true);
    assert.equal(signal.reason, reason);
    assert.ok(signal.reason instanceof LeaseError);
    assert.equal(signal.reason.reason, 'held_elsewhere');
    assert.equal(book.drop(5, new LeaseReleasedError('again')), undefined);
    assert.equal(book.signal(5).aborted, true);
    assert.equal(book.signal(99).aborted, true);
    assert.equal(book.nextExpiry(), Number.POSITIVE_INFINITY);
  });

  it('lists held shards in order', () => {
    const book = new LeaseBook<number>(timing);
    for (const shard of [9, 2, 5]) book.grant(shard, shard, 0, 0);
    assert.deepEqual(book.shards(), [2, 5, 9]);
    assert.equal(book.size, 3);
  });
});

describe('lease readiness', () => {
  const base: ShardLeasesStatus = {
    memberId: 'm',
    shardCount: 8,
    mode: 'redis',
    members: 2,
    owned: 4,
    target: 4,
    rounds: 3,
    problem: undefined,
    postgresProblem: undefined,
  };
  const problem = {
    reason: 'redis_down' as const,
    message: 'Redis unreachable: 0 of 1 nodes answered (refused)',
  };

  it('is ready while owning shards, even with a problem (the holds are still valid)', () => {
    assert.deepEqual(describeLeaseReadiness(base), { ok: true, detail: 'owns 4 of 8 shards, 2 members' });
    assert.equal(describeLeaseReadiness({ ...base, problem }).ok, true);
    assert.equal(describeLeaseReadiness({ ...base, postgresProblem: 'lease rows unavailable: x' }).ok, true);
  });

  it('is ready on the PostgreSQL fallback, and says so', () => {
    assert.deepEqual(describeLeaseReadiness({ ...base, mode: 'postgres', problem }), {
      ok: true,
      detail:
        'owns 4 of 8 shards, 2 members; fallback: postgres; Redis unreachable: 0 of 1 nodes answered (refused)',
    });
  });

  it('says why when it owns nothing', () => {
    assert.deepEqual(
      describeLeaseReadiness({ ...base, owned: 0, postgresProblem: 'lease rows unavailable: refused' }),
      { ok: false, detail: 'owns no shards; lease rows unavailable: refused' },
    );
    const both = describeLeaseReadiness({
      ...base,
      mode: 'postgres',
      owned: 0,
      problem,
      postgresProblem: 'lease rows unavailable: refused',
    });
    assert.equal(both.ok, false);
    assert.match(
      both.detail,
      /owns no shards; fallback: postgres; Redis unreachable.*; lease rows unavailable/,
    );
    assert.match(describeLeaseReadiness({ ...base, owned: 0, rounds: 0 }).detail, /first lease round/);
    assert.match(describeLeaseReadiness({ ...base, owned: 0 }).detail, /waiting for 4 shards/);
    assert.deepEqual(describeLeaseReadiness({ ...base, owned: 0, target: 0, members: 9 }), {
      ok: true,
      detail: 'owns 0 of 8 shards, 9 members (more replicas than shards)',
    });
  });
});
