import type { ReadinessCheck } from '../http/readiness.ts';
import { describeDatabaseError } from './databaseErrors.ts';
import { pingDatabase, type Pool } from './pool.ts';

/**
 * The `database` readiness check: one round trip; when it fails, the cause as
 * classified (`connection (ECONNREFUSED)`, `shutdown (57P03)`, `timeout`), not
 * the driver's message with host and port.
 */
export function databaseReadinessCheck(pool: Pool, timeoutMs = 1500): ReadinessCheck {
  return {
    name: 'database',
    timeoutMs,
    check: async () => {
      try {
        await pingDatabase(pool);
      } catch (err) {
        throw new Error(describeDatabaseError(err), { cause: err });
      }
      return undefined;
    },
  };
}

/**
 * The `notifications` readiness check: the LISTEN connection is up. `listener`
 * is read at check time (a service may create it after building its checks);
 * none at all (e.g. a broadcaster without the relay) counts as ready.
 */
export function listenerReadinessCheck(
  listener: () => { readonly connected: boolean } | undefined,
): ReadinessCheck {
  return {
    name: 'notifications',
    check: () =>
      listener()?.connected === false
        ? Promise.reject(new Error('LISTEN connection is down'))
        : Promise.resolve(undefined),
  };
}

/**
 * What a worker over PostgreSQL is ready by, in the order /readyz lists it:
 * its start sequence done, the database answering, its LISTEN connection up,
 * then whatever it adds (its shard leases).
 */
export function workerReadiness(parts: {
  sequence: { readinessCheck(): ReadinessCheck };
  pool: Pool;
  listener: () => { readonly connected: boolean } | undefined;
  more?: readonly ReadinessCheck[];
}): ReadinessCheck[] {
  return [
    parts.sequence.readinessCheck(),
    databaseReadinessCheck(parts.pool),
    listenerReadinessCheck(parts.listener),
    ...(parts.more ?? []),
  ];
}
