// Pure: the command line of `sketchyaf-realtime`.
export const usage = `Usage: sketchyaf-realtime control <command> [options]

Commands:
  status                          desired state, generation and what each replica applied
  pause broadcasting|timers|ingest    (ingest: read-only, writes answered 503 + Retry-After)
  resume broadcasting|timers|ingest
  set <key> <value>               keys: broadcasting (enabled|paused), timers (enabled|paused),
                                  ingest (enabled|read-only), ingest.retryAfterSeconds (1-3600),
                                  relay.concurrency (1-1024|default),
                                  relay.publishRatePerSecond (number|unlimited), note (text|none)

Where (one of):
  --file PATH | CONTROL_FILE      a local CONTROL_FILE (npm start prints its path)
  (default)                       the RealtimeControl resource through your kubeconfig
  --context CTX --namespace NS --name NAME   (defaults: current context, sketchyaf-realtime, sketchyaf-realtime)

Options:
  --note TEXT          why (shown on the status page), with pause, resume and set
  --timeout SECONDS    how long to wait for every replica to acknowledge (default 60)
  --no-wait            edit and return without waiting
  --health-url URL     with --file: where acknowledgements are read (default HEALTH_URL or http://127.0.0.1:8081)
`;

export type Edit =
  | { kind: 'pause'; what: 'broadcasting' | 'timers' | 'ingest' }
  | { kind: 'resume'; what: 'broadcasting' | 'timers' | 'ingest' }
  | { kind: 'set'; key: string; value: string };

export interface CliOptions {
  file: string | null;
  context: string | null;
  namespace: string;
  name: string;
  note: string | null;
  timeoutMs: number;
  wait: boolean;
  healthUrl: string;
}

export type Command =
  | { kind: 'status'; options: CliOptions }
  | { kind: 'edit'; edit: Edit; options: CliOptions }
  | { kind: 'help' };

export const defaultResourceName = 'sketchyaf-realtime';
export const defaultNamespace = 'sketchyaf-realtime';
export const defaultHealthUrl = 'http://127.0.0.1:8081';

const valueOptions = ['--file', '--context', '--namespace', '--name', '--note', '--timeout', '--health-url'];
const pausables = ['broadcasting', 'timers', 'ingest'] as const;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Parses argv (without node and the script); throws UsageError with the reason. */
export function parseArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Command {
  const positional: string[] = [];
  const values = new Map<string, string>();
  let wait = true;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (arg === '--no-wait') {
      wait = false;
      continue;
    }
    const [flag = '', inline] = arg.startsWith('--') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    if (valueOptions.includes(flag)) {
      const value = inline ?? argv[i + 1];
      if (value === undefined || value === '') throw new UsageError(`${flag} needs a value`);
      if (inline === undefined) i += 1;
      values.set(flag, value);
      continue;
    }
    if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    positional.push(arg);
  }
  if (positional.length === 0) return { kind: 'help' };
  const [group, command, ...rest] = positional;
  if (group !== 'control') throw new UsageError(`unknown command "${group ?? ''}" (only "control")`);

  const timeout = values.get('--timeout') ?? '60';
  const timeoutSeconds = Number(timeout.replace(/s$/, ''));
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0 || timeoutSeconds > 3600)
    throw new UsageError(`--timeout must be 1 to 3600 seconds (got ${timeout})`);
  const options: CliOptions = {
    file: values.get('--file') ?? nonEmpty(env['CONTROL_FILE']),
    context: values.get('--context') ?? null,
    namespace: values.get('--namespace') ?? defaultNamespace,
    name: values.get('--name') ?? defaultResourceName,
    note: values.get('--note') ?? null,
    timeoutMs: timeoutSeconds * 1000,
    wait,
    healthUrl: (values.get('--health-url') ?? nonEmpty(env['HEALTH_URL']) ?? defaultHealthUrl).replace(
      /\/+$/,
      '',
    ),
  };

  switch (command) {
    case 'status':
      if (rest.length > 0) throw new UsageError('status takes no argument');
      return { kind: 'status', options };
    case 'pause':
    case 'resume': {
      const [what, ...extra] = rest;
      if (extra.length > 0 || !(pausables as readonly string[]).includes(what ?? ''))
        throw new UsageError(`${command} takes one of: ${pausables.join(', ')}`);
      return { kind: 'edit', edit: { kind: command, what: what as (typeof pausables)[number] }, options };
    }
    case 'set': {
      const [key, ...valueParts] = rest;
      if (key === undefined || valueParts.length === 0) throw new UsageError('set takes a key and a value');
      return { kind: 'edit', edit: { kind: 'set', key, value: valueParts.join(' ') }, options };
    }
    default:
      throw new UsageError(`unknown control command "${command ?? ''}" (status, pause, resume, set)`);
  }
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value.trim() === '' ? null : value.trim();
}
