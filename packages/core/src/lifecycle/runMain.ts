import { systemClock, type Clock, type TimerHandle } from '../clock.ts';
import { loadConfig, type Env } from '../config/loadConfig.ts';
import { ConfigError } from '../errors.ts';
import type { ServiceHandle } from './serviceHandle.ts';
import { shutdownEnvShape } from './shutdownDeadline.ts';

/** SHUTDOWN_DEADLINE_MS of `env`; a ConfigError when malformed. */
export function shutdownDeadlineMs(env: Env): number {
  return loadConfig(env, shutdownEnvShape).SHUTDOWN_DEADLINE_MS;
}

export interface MainOptions {
  name: string;
  /** Where to report start-up failures and signals; main is allowed the console. */
  report?: (line: string) => void;
  process?: NodeJS.Process;
  /** How long a stop may take; SHUTDOWN_DEADLINE_MS of the process's environment by default. */
  stopDeadlineMs?: number;
  /** Times the stop deadline; the system clock by default. */
  clock?: Clock;
}

/**
 * The entry point's glue: start, then stop gracefully on the first SIGINT or
 * SIGTERM and force-exit on the second. A stop that overruns the deadline
 * exits 1 naming what it still waits for; a service that dies (`done`
 * rejects) exits 1 with the reason. Only `main.ts` files call this.
 * Returns a detach function for the signal handlers.
 */
export async function runMain(
  start: () => Promise<ServiceHandle>,
  options: MainOptions,
): Promise<() => void> {
  const proc = options.process ?? process;
  const report = options.report ?? ((line: string) => proc.stderr.write(`${line}\n`));
  let handle: ServiceHandle;
  let deadlineMs: number;
  try {
    deadlineMs = options.stopDeadlineMs ?? shutdownDeadlineMs(proc.env);
    handle = await start();
  } catch (err) {
    report(
      err instanceof ConfigError
        ? `${options.name}: ${err.message}`
        : `${options.name}: failed to start: ${describe(err)}`,
    );
    proc.exitCode = err instanceof ConfigError ? 78 : 1;
    return () => undefined;
  }

  // Once stopping (asked or died), the process must be gone within the deadline: whatever is
  // left (a handle a releaser missed) is named and the process exits rather than hang until SIGKILL.
  const clock = options.clock ?? systemClock;
  let deadline: TimerHandle | undefined;
  const armDeadline = (): void => {
    deadline ??= clock.setTimeout(() => {
      const left = handle.unreleased();
      report(
        `${options.name}: did not stop within ${formatSeconds(deadlineMs)}: ` +
          (left.length > 0
            ? left.join(', ')
            : `everything was released, but the process stays alive (${aliveResources(proc)})`),
      );
      proc.exit(1);
    }, deadlineMs);
    // Released once the stop finished: an exiting process does not wait for it.
    void handle.done.catch(() => undefined).finally(() => deadline?.unref?.());
  };

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      report(`${options.name}: ${signal} again, exiting now`);
      proc.exit(130);
    }
    report(`${options.name}: ${signal} received, stopping gracefully (send again to force)`);
    armDeadline();
    handle.stop().then(
      () => {
        proc.exitCode ??= 0;
      },
      (err: unknown) => {
        report(`${options.name}: stop failed: ${describe(err)}`);
        proc.exitCode = 1;
      },
    );
  };
  proc.on('SIGINT', onSignal);
  proc.on('SIGTERM', onSignal);
  const detach = (): void => {
    proc.off('SIGINT', onSignal);
    proc.off('SIGTERM', onSignal);
    if (deadline) clock.clearTimeout(deadline);
  };
  handle.done.then(
    () => {
      proc.off('SIGINT', onSignal);
      proc.off('SIGTERM', onSignal);
    },
    (err: unknown) => {
      report(`${options.name}: died: ${describe(err)}`);
      proc.exitCode = 1;
      proc.off('SIGINT', onSignal);
      proc.off('SIGTERM', onSignal);
      armDeadline();
    },
  );
  return detach;
}

/** What keeps the event loop alive, e.g. `TCPSocketWrap x2, Timeout`: a releaser missed these. */
function aliveResources(proc: NodeJS.Process): string {
  const counts = new Map<string, number>();
  for (const kind of proc.getActiveResourcesInfo?.() ?? []) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  const named = [...counts].map(([kind, n]) => (n === 1 ? kind : `${kind} x${n}`));
  return named.length > 0 ? named.join(', ') : 'nothing Node.js reports';
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.stack ?? err.message;
  return String(err);
}
