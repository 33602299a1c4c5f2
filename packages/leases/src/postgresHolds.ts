import { withTimeout, type Clock } from '@sketchyaf/core';
import type { Pool } from '@sketchyaf/core';

export type LeaseMode = 'redis' | 'postgres';

/** What one renewal round read from the lease tables. */
export interface PostgresView {
  /** Live members (heartbeat not expired), this replica included. */
  members: string[];
  /** Those of them whose last round was on the fallback (Redis unreachable to them). */
  onFallback: string[];
  /** Live holds of every replica: shard -> owner. */
  holds: ReadonlyMap<number, string>;
  /** Of the holds we asked to renew, those still ours and now extended: shard -> token. */
  renewed: ReadonlyMap<number, string>;
}

/**
 * Heartbeat, renewal of our live holds and a read of all live members and
 * holds, in one statement. Renewal touches only rows that are ours and not
 * expired, like a Redlock extension: an expired row may have been free for
 * someone else, so it is taken again rather than silently revived.
 */
const renewSql = `
WITH member AS (
  INSERT INTO realtime_lease_members (lease_prefix, member, mode, expires_at)
  VALUES ($1, $2, $4, clock_timestamp() + $3 * interval '1 millisecond')
  ON CONFLICT (lease_prefix, member)
  DO UPDATE SET mode = EXCLUDED.mode, expires_at = EXCLUDED.expires_at
  RETURNING member, mode
), renewed AS (
  UPDATE realtime_shard_leases l SET expires_at = clock_timestamp() + $3 * interval '1 millisecond'
  FROM unnest($5::int[], $6::text[]) AS h(shard, token)
  WHERE l.lease_prefix = $1 AND l.owner = $2 AND l.shard = h.shard AND l.token = h.token
    AND l.expires_at > clock_timestamp()
  RETURNING l.shard, l.token
)
SELECT 'member:' || mode AS kind, member AS who, NULL::int AS shard FROM member
UNION ALL
SELECT 'member:' || mode, member, NULL FROM realtime_lease_members
 WHERE lease_prefix = $1 AND member <> $2 AND expires_at > clock_timestamp()
UNION ALL
SELECT 'hold', owner, shard FROM realtime_shard_leases
 WHERE lease_prefix = $1 AND owner <> $2 AND expires_at > clock_timestamp()
UNION ALL
SELECT 'renewed', token, shard FROM renewed`;

/**
 * Takes shards that are free (no row, or an expired one) or already ours.
 * Two replicas racing for a row serialise on it; the second re-checks the
 * condition against the first's committed row and takes nothing.
 */
const takeSql = `
INSERT INTO realtime_shard_leases (lease_prefix, shard, owner, token, expires_at)
SELECT $1, s, $2, $5, clock_timestamp() + $3 * interval '1 millisecond' FROM unnest($4::int[]) AS s
ON CONFLICT (lease_prefix, shard)
DO UPDATE SET owner = EXCLUDED.owner, token = EXCLUDED.token, expires_at = EXCLUDED.expires_at
WHERE realtime_shard_leases.expires_at <= clock_timestamp() OR realtime_shard_leases.owner = EXCLUDED.owner
RETURNING shard`;

const releaseSql = `
DELETE FROM realtime_shard_leases l USING unnest($3::int[], $4::text[]) AS h(shard, token)
WHERE l.lease_prefix = $1 AND l.owner = $2 AND l.shard = h.shard AND l.token = h.token`;

const leaveSql = `
WITH gone AS (DELETE FROM realtime_shard_leases WHERE lease_prefix = $1 AND owner = $2)
DELETE FROM realtime_lease_members WHERE lease_prefix = $1 AND member = $2`;

export interface PostgresHoldsOptions {
  pool: Pool;
  prefix: string;
  memberId: string;
  ttlMs: number;
  /** Every statement is abandoned after this long: a round must not wait on a hung database. */
  timeoutMs: number;
  clock: Clock;
}

/**
 * The shard lease rows in PostgreSQL: the ownership of record, in Redis mode
 * and in fallback. Expiry is on the database's clock (clock_timestamp()), so
 * replicas need no agreement on time; a holder counts its own validity from
 * the instant it sent the statement, which ends before the row's expiry.
 */
export class PostgresHolds {
  readonly #options: PostgresHoldsOptions;

  constructor(options: PostgresHoldsOptions) {
    this.#options = options;
  }

  /** Heartbeats as `mode` and renews `held` (shard -> token of its hold). */
  async renew(mode: LeaseMode, held: ReadonlyMap<number, string>): Promise<PostgresView> {
    const { prefix, memberId, ttlMs } = this.#options;
    const rows = await this.#query<{ kind: string; who: string; shard: number | null }>(renewSql, [
      prefix,
      memberId,
      ttlMs,
      mode,
      [...held.keys()],
      [...held.values()],
    ]);
    const members = new Set<string>();
    const onFallback = new Set<string>();
    const holds = new Map<number, string>();
    const renewed = new Map<number, string>();
    for (const { kind, who, shard } of rows) {
      if (kind.startsWith('member:')) {
        members.add(who);
        if (kind === 'member:postgres') onFallback.add(who);
      } else if (shard !== null && kind === 'hold') holds.set(shard, who);
      else if (shard !== null) renewed.set(shard, who);
    }
    for (const shard of renewed.keys()) holds.set(shard, memberId);
    return { members: [...members].sort(), onFallback: [...onFallback].sort(), holds, renewed };
  }

  /** Takes what it can of `shards` as hold `token`; returns those now ours. */
  async take(shards: readonly number[], token: string): Promise<ReadonlySet<number>> {
    if (shards.length === 0) return new Set();
    const { prefix, memberId, ttlMs } = this.#options;
    const rows = await this.#query<{ shard: number }>(takeSql, [prefix, memberId, ttlMs, shards, token]);
    return new Set(rows.map((r) => r.shard));
  }

  /** Deletes the named holds (shard -> token), if they are still ours. */
  async release(holds: ReadonlyMap<number, string>): Promise<void> {
    if (holds.size === 0) return;
    await this.#query(releaseSql, [
      this.#options.prefix,
      this.#options.memberId,
      [...holds.keys()],
      [...holds.values()],
    ]);
  }

  /** Drops every hold and the membership row, so the others rebalance at once. */
  async leave(): Promise<void> {
    await this.#query(leaveSql, [this.#options.prefix, this.#options.memberId]);
  }

  async #query<R extends object>(text: string, values: unknown[]): Promise<R[]> {
    const { pool, timeoutMs, clock } = this.#options;
    // pg's pool.query takes no signal: withTimeout settles the round anyway and releases its timer.
    const result = await withTimeout(timeoutMs, () => pool.query<R>(text, values), {
      clock,
      message: `lease statement took longer than ${timeoutMs} ms`,
    });
    return result.rows;
  }
}
