import { ConfigError } from '../errors.ts';
import type { ServiceHandle } from './serviceHandle.ts';

export interface MainOptions {
  name: string;
  /** Where to report start-up failures and signals; main is allowed the console. */
  report?: (line: string) => void;
  process?: NodeJS.Process;
}

/**
 * The entry point's glue: start, then stop gracefully on the first SIGINT or
 * SIGTERM and force-exit on the second. Only `main.ts` files call this.
 * Returns a detach function for the signal handlers.
 */
export async function runMain(
  start: () => Promise<ServiceHandle>,
  options: MainOptions,
): Promise<() => void> {
  const proc = options.process ?? process;
  const report = options.report ?? ((line: string) => proc.stderr.write(`${line}\n`));
  let handle: ServiceHandle;
  try {
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

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      report(`${options.name}: ${signal} again, exiting now`);
      proc.exit(130);
    }
    report(`${options.name}: ${signal} received, stopping gracefully (send again to force)`);
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
  };
  handle.done.then(detach, (err: unknown) => {
    report(`${options.name}: died: ${describe(err)}`);
    proc.exitCode = 1;
    detach();
  });
  return detach;
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.stack ?? err.message;
  return String(err);
}
