// Pure: the command line of `sketchyaf-realtime`.
export const usage = `Usage: sketchyaf-realtime control <command> [options]
       sketchyaf-realtime history <gameId> [options]
       sketchyaf-realtime --version

Control commands:
  status                          desired state, generation and what each replica applied
  pause broadcasting|timers|ingest    (ingest: read-only, writes answered 503 + Retry-After)
  resume broadcasting|timers|ingest
  set <key> <value>               keys: broadcasting (enabled|paused), timers (enabled|paused),
                                  ingest (enabled|read-only), ingest.retryAfterSeconds (1-3600),
                                  relay.concurrency (1-1024|default),
                                  relay.publishRatePerSecond (number|unlimited), note (text|none)

Where (one of):
  --file PATH | CONTROL_FILE      a local CONTROL_FILE (npm start prints its path)
  (default)                       the RealtimeControl resource through your kubeconfig (in a pod: its
                                  service account)
  --context CTX --namespace NS --name NAME   (defaults: current context; POD_NAMESPACE or
                                  sketchyaf-realtime; CONTROL_RESOURCE or sketchyaf-realtime)

Control options:
  --note TEXT          why (shown on the status page), with pause, resume and set
  --timeout SECONDS    how long to wait for every replica to acknowledge (default 60)
  --no-wait            edit and return without waiting
  --health-url URL     with --file: where acknowledgements are read (default HEALTH_URL or http://127.0.0.1:8081)

history <gameId>: the game's transitions and events with their delivery state (GET /v1/games/:id/history)
  --url URL            the broadcaster (default BROADCASTER_URL, else http://127.0.0.1:$PORT, PORT 8080)
  --token TOKEN        an admin token (default SKETCHYAF_ADMIN_TOKEN, else the first of BROADCAST_ADMIN_TOKENS)
  --limit N            transitions and events per page, 1-1000 (default 1000)
  --after-transition ID --after-event ID   the next page (the cursors the previous page printed)

Every command:
  --output text|json   json: one JSON document on stdout, progress on stderr (default text)
  --version            the CLI's version
  --help

Exit codes:
  0  done
  1  failed (an error, an unreachable service, a refused request)
  2  usage (bad command line or value)
  3  not acknowledged by every replica within --timeout (the change is written and stays in force)
  4  history: no game and no history with this id
`;

export type OutputFormat = 'text' | 'json';

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

export interface HistoryOptions {
  url: string;
  /** null: none given nor found in the environment (a usage error when the command runs). */
  token: string | null;
  limit: number;
  afterTransition: string;
  afterEvent: string;
}

export type Command =
  | { kind: 'status'; options: CliOptions; output: OutputFormat }
  | { kind: 'edit'; edit: Edit; options: CliOptions; output: OutputFormat }
  | { kind: 'history'; gameId: string; history: HistoryOptions; output: OutputFormat }
  | { kind: 'version'; output: OutputFormat }
  | { kind: 'help' };

export const defaultResourceName = 'sketchyaf-realtime';
export const defaultNamespace = 'sketchyaf-realtime';
export const defaultHealthUrl = 'http://127.0.0.1:8081';

const controlValueOptions = [
  '--file',
  '--context',
  '--namespace',
  '--name',
  '--note',
  '--timeout',
  '--health-url',
];
const historyValueOptions = ['--url', '--token', '--limit', '--after-transition', '--after-event'];
const valueOptions = [...controlValueOptions, ...historyValueOptions, '--output'];
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
  let version = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (arg === '--version') {
      version = true;
      continue;
    }
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
  const outputValue = values.get('--output') ?? 'text';
  if (outputValue !== 'text' && outputValue !== 'json')
    throw new UsageError(`--output must be text or json (got ${outputValue})`);
  const output: OutputFormat = outputValue;
  if (version) return { kind: 'version', output };
  if (positional.length === 0) return { kind: 'help' };
  const [group, command, ...rest] = positional;
  const given = (names: readonly string[]): string[] => names.filter((n) => values.has(n));
  if (group === 'history') {
    const misplaced = [...given(controlValueOptions), ...(wait ? [] : ['--no-wait'])];
    if (misplaced.length > 0) throw new UsageError(`history takes no ${misplaced.join(', ')}`);
    return parseHistory(command, rest, values, env, output);
  }
  if (group !== 'control') throw new UsageError(`unknown command "${group ?? ''}" (control, history)`);
  const misplaced = given(historyValueOptions);
  if (misplaced.length > 0) throw new UsageError(`control takes no ${misplaced.join(', ')}`);

  const timeout = values.get('--timeout') ?? '60';
  const timeoutSeconds = Number(timeout.replace(/s$/, ''));
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0 || timeoutSeconds > 3600)
    throw new UsageError(`--timeout must be 1 to 3600 seconds (got ${timeout})`);
  const options: CliOptions = {
    file: values.get('--file') ?? nonEmpty(env['CONTROL_FILE']),
    context: values.get('--context') ?? null,
    // In a pod (kubectl exec), the chart sets POD_NAMESPACE and CONTROL_RESOURCE: the release's own resource.
    namespace: values.get('--namespace') ?? nonEmpty(env['POD_NAMESPACE']) ?? defaultNamespace,
    name: values.get('--name') ?? nonEmpty(env['CONTROL_RESOURCE']) ?? defaultResourceName,
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
      return { kind: 'status', options, output };
    case 'pause':
    case 'resume': {
      const [what, ...extra] = rest;
      if (extra.length > 0 || !(pausables as readonly string[]).includes(what ?? ''))
        throw new UsageError(`${command} takes one of: ${pausables.join(', ')}`);
      return {
        kind: 'edit',
        edit: { kind: command, what: what as (typeof pausables)[number] },
        options,
        output,
      };
    }
    case 'set': {
      const [key, ...valueParts] = rest;
      if (key === undefined || valueParts.length === 0) throw new UsageError('set takes a key and a value');
      return { kind: 'edit', edit: { kind: 'set', key, value: valueParts.join(' ') }, options, output };
    }
    default:
      throw new UsageError(`unknown control command "${command ?? ''}" (status, pause, resume, set)`);
  }
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const cursor = /^(0|[1-9][0-9]{0,18})$/;

function parseHistory(
  gameId: string | undefined,
  rest: readonly string[],
  values: ReadonlyMap<string, string>,
  env: Readonly<Record<string, string | undefined>>,
  output: OutputFormat,
): Command {
  if (gameId === undefined || rest.length > 0) throw new UsageError('history takes one game id');
  if (!uuid.test(gameId)) throw new UsageError(`history: the game id must be a UUID (got ${gameId})`);
  const limitText = values.get('--limit') ?? '1000';
  const limit = Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new UsageError(`--limit must be an integer from 1 to 1000 (got ${limitText})`);
  const cursorOf = (flag: string): string => {
    const value = values.get(flag) ?? '0';
    if (!cursor.test(value)) throw new UsageError(`${flag} must be a cursor the previous page printed`);
    return value;
  };
  const port = nonEmpty(env['PORT']) ?? '8080';
  const url = values.get('--url') ?? nonEmpty(env['BROADCASTER_URL']) ?? `http://127.0.0.1:${port}`;
  const adminTokens = nonEmpty(env['BROADCAST_ADMIN_TOKENS'])?.split(',')[0]?.trim();
  return {
    kind: 'history',
    gameId: gameId.toLowerCase(),
    history: {
      url: url.replace(/\/+$/, ''),
      token: values.get('--token') ?? nonEmpty(env['SKETCHYAF_ADMIN_TOKEN']) ?? (adminTokens || null),
      limit,
      afterTransition: cursorOf('--after-transition'),
      afterEvent: cursorOf('--after-event'),
    },
    output,
  };
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value.trim() === '' ? null : value.trim();
}
