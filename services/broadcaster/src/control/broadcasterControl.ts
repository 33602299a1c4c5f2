import type { Clock, Logger } from '@sketchyaf/core';
import type { ControlSpec } from '@sketchyaf/control';
import type { ControlApplier } from '@sketchyaf/control/agent';
import type { OutboxRelay } from '../relay/outboxRelay.ts';
import type { RelayLimits } from './relayLimits.ts';

/** The ingest API's side of runtime control: read-only answers writes with 503 and Retry-After. */
export class IngestGate implements ControlApplier {
  readonly name = 'ingest';
  #retryAfterSeconds: number | null = null;

  set(spec: ControlSpec): void {
    this.#retryAfterSeconds = spec.ingest === 'read-only' ? spec.ingestRetryAfterSeconds : null;
  }

  /** Retry-After seconds while read-only; null while writes are accepted. */
  readOnly(): number | null {
    return this.#retryAfterSeconds;
  }
}

export interface RelayControlOptions {
  limits: RelayLimits;
  relay: OutboxRelay;
  clock: Clock;
  logger: Logger;
  /** Publishes in flight end within the publish timeout; the wait for them is bounded by this. */
  settleTimeoutMs: number;
}

/**
 * The relay's side: new limits hold for the next claim and the next publish
 * at once; `settled` resolves when the publishes already in flight are within
 * the new limit (none while paused), which is when the replica acknowledges.
 */
export function relayControl(options: RelayControlOptions): ControlApplier {
  const { limits, relay, clock, logger } = options;
  return {
    name: 'relay',
    set(spec) {
      limits.set(spec, clock.now());
      relay.wake();
    },
    settled() {
      const started = clock.monotonic();
      return new Promise<void>((resolve) => {
        const check = (): void => {
          if (relay.inFlight <= limits.concurrency) {
            resolve();
            return;
          }
          if (clock.monotonic() - started > options.settleTimeoutMs) {
            logger.warn('publishes in flight still above the new limit; acknowledging anyway', {
              inFlight: relay.inFlight,
              limit: limits.concurrency,
            });
            resolve();
            return;
          }
          clock.setTimeout(check, 20).unref?.();
        };
        check();
      });
    },
  };
}
