import { intField } from '../config/fields.ts';

/**
 * How long a stop may take before the process gives up and exits 1, naming
 * what did not stop. Below the chart's terminationGracePeriodSeconds minus its
 * preStop sleep (30 s - 5 s), so the process says what hung before the kubelet
 * kills it without a word (test/chart/shutdownDeadline.test.ts).
 */
export const defaultShutdownDeadlineMs = 20_000;

/** The variable runMain reads; every service spreads it into its config shape, so a bad value is reported with the rest. */
export const shutdownEnvShape = {
  SHUTDOWN_DEADLINE_MS: intField({ min: 100, max: 3_600_000, default: defaultShutdownDeadlineMs }),
};
