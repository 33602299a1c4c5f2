import type { Redis } from 'ioredis';
import { classifyVotes, quorumOf } from './classifyVotes.ts';
import type { LeaseFailureReason } from './leaseErrors.ts';
import { errorMessage } from '@sketchyaf/core';

/**
 * Heartbeat and read in one atomic step, on the node's own clock: members
 * live in one sorted set per service, scored by their expiry instant. No
 * KEYS or SCAN, so a Redis shared with other data costs the same. ARGV[3]
 * "leave" removes the caller instead of refreshing it.
 */
const heartbeatScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
if ARGV[3] == 'leave' then
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then
  redis.call('PEXPIRE', KEYS[1], math.max(1, tonumber(last[2]) - now + 1000))
end
return redis.call('ZRANGE', KEYS[1], 0, -1)
`;

export type MembershipView =
  | { ok: true; members: string[]; nodesAnswering: number }
  | { ok: false; reason: LeaseFailureReason; message: string; nodesAnswering: number };

/**
 * Replica membership across the Redis nodes. A member counts when a quorum
 * of nodes has its heartbeat: one that reaches only a minority cannot hold
 * leases either, and giving it shards would leave them unowned.
 */
export class Membership {
  readonly #clients: readonly Redis[];
  readonly #key: string;
  readonly #memberId: string;
  readonly #ttlMs: number;

  constructor(options: { clients: readonly Redis[]; key: string; memberId: string; ttlMs: number }) {
    this.#clients = options.clients;
    this.#key = options.key;
    this.#memberId = options.memberId;
    this.#ttlMs = options.ttlMs;
  }

  /** Refreshes our heartbeat on every node and returns the live members. */
  heartbeat(): Promise<MembershipView> {
    return this.#run('join');
  }

  /** Removes our heartbeat, so that the others rebalance at their next round. */
  async leave(): Promise<void> {
    await this.#run('leave');
  }

  async #run(mode: 'join' | 'leave'): Promise<MembershipView> {
    const results = await Promise.allSettled(
      this.#clients.map(async (client) =>
        parseMembers(await client.eval(heartbeatScript, 1, this.#key, this.#memberId, this.#ttlMs, mode)),
      ),
    );
    const seen = new Map<string, number>();
    const errors = new Set<string>();
    let answering = 0;
    for (const result of results) {
      if (result.status === 'fulfilled') {
        answering += 1;
        for (const id of result.value) seen.set(id, (seen.get(id) ?? 0) + 1);
      } else {
        errors.add(errorMessage(result.reason));
      }
    }
    const nodes = this.#clients.length;
    const reason = classifyVotes({ for: answering, locked: 0, failed: nodes - answering });
    if (reason) {
      return {
        ok: false,
        reason,
        nodesAnswering: answering,
        message:
          `${reason === 'redis_down' ? 'Redis unreachable' : 'no Redis quorum'}: ` +
          `${answering} of ${nodes} nodes answered (${[...errors].join('; ')})`,
      };
    }
    const quorum = quorumOf(nodes);
    const members = [...seen].filter(([, count]) => count >= quorum).map(([id]) => id);
    return { ok: true, members: members.sort(), nodesAnswering: answering };
  }
}

function parseMembers(reply: unknown): string[] {
  if (!Array.isArray(reply) || !reply.every((x) => typeof x === 'string')) {
    throw new Error('unexpected reply to the membership script');
  }
  return reply;
}
