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
