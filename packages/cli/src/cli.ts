import { readFileSync } from 'node:fs';
import { describeSpec, type ControlState } from '@sketchyaf/control';
import { parseArgs, usage, UsageError, type CliOptions, type Command } from './args.ts';
import { applyEdit } from './edits.ts';
import { FileTarget } from './fileTarget.ts';
import { fetchHistory } from './historyClient.ts';
import { formatHistory } from './historyTable.ts';
import type { ControlTarget, Progress } from './target.ts';
import type { KubeConfig } from '@kubernetes/client-node';

export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  out: (line: string) => void;
  err: (line: string) => void;
  /** Kubernetes access instead of the kubeconfig (tests). */
  kubeConfig?: KubeConfig;
  /** Poll interval while waiting (ms). */
  pollMs?: number;
}

/** Exit codes (also in the usage text and packages/cli/README.md). */
export const exitCodes = { ok: 0, failed: 1, usage: 2, timeout: 3, notFound: 4 } as const;

/** The version of this package (packages/cli/package.json; the image ships it). */
export const cliVersion = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

async function targetOf(options: CliOptions, io: CliIo): Promise<ControlTarget> {
  if (options.file !== null) return new FileTarget(options.file, options.healthUrl);
  const { KubeConfig } = await import('@kubernetes/client-node');
  const { KubernetesTarget } = await import('./kubernetesTarget.ts');
  let kubeConfig = io.kubeConfig;
  if (!kubeConfig) {
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromDefault();
  }
  if (options.context !== null) kubeConfig.setCurrentContext(options.context);
  return new KubernetesTarget(kubeConfig, options.namespace, options.name);
}

function printReplicas(progress: Progress, out: (line: string) => void): void {
  for (const r of progress.replicas) {
    const generation = r.appliedGeneration === null ? '—' : String(r.appliedGeneration);
    out(
      `  ${r.state.padEnd(11)} ${r.component.padEnd(14)} ${r.name}  generation ${generation}${r.detail ? `  ${r.detail}` : ''}`,
    );
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until every replica acknowledged `state`; prints progress when it changes. */
async function waitForAcknowledgement(
  target: ControlTarget,
  state: ControlState,
  options: CliOptions,
  io: CliIo,
): Promise<{ code: number; progress: Progress | undefined }> {
  const deadline = Date.now() + options.timeoutMs;
  let last = '';
  let progress: Progress | undefined;
  io.out(
    `waiting up to ${options.timeoutMs / 1000} s for every replica to apply generation ${state.generation} …`,
  );
  while (Date.now() < deadline) {
    progress = await target.progress().catch((err: unknown): Progress => ({
      generation: null,
      applied: false,
      message: err instanceof Error ? err.message : String(err),
      replicas: [],
    }));
    const current = progress.generation !== null && progress.generation >= state.generation;
    if (current && progress.generation !== state.generation) {
      io.out(
        `generation ${progress.generation} replaced ours (${state.generation}) meanwhile: someone else changed it`,
      );
    }
    if (current && progress.applied) {
      io.out(`done: ${progress.message}`);
      printReplicas(progress, io.out);
      return { code: exitCodes.ok, progress };
    }
    const line = current
      ? progress.message
      : `not yet seen: ${progress.message || `generation ${progress.generation ?? '—'} reported`}`;
    if (line !== last) {
      io.out(`  … ${line}`);
      last = line;
    }
    await sleep(io.pollMs ?? 250);
  }
  io.err(
    `not acknowledged within ${options.timeoutMs / 1000} s: ${progress?.message ?? 'no answer'}. The change is written and stays in force; check \`sketchyaf-realtime control status\` and the status page.`,
  );
  if (progress) printReplicas(progress, io.err);
  return { code: exitCodes.timeout, progress };
}

/** The answer of `--output json`: one document on stdout. */
function printJson(io: CliIo, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

async function runControl(
  command: Extract<Command, { kind: 'status' | 'edit' }>,
  io: CliIo,
  human: CliIo,
): Promise<number> {
  const { options } = command;
  const json = command.output === 'json';
  const target = await targetOf(options, io);
  const current = await target.read();
  if (command.kind === 'status') {
    const progress = await target.progress();
    const applied = progress.applied && progress.generation === current.generation;
    if (json) {
      printJson(io, {
        target: target.description,
        generation: current.generation,
        spec: current.spec,
        applied,
        progress,
      });
      return exitCodes.ok;
    }
    io.out(`${target.description}: generation ${current.generation}`);
    io.out(`  ${describeSpec(current.spec)}${current.spec.note ? `  (note: ${current.spec.note})` : ''}`);
    io.out(`  ${applied ? 'applied' : 'not applied yet'}: ${progress.message}`);
    printReplicas(progress, io.out);
    return exitCodes.ok;
  }
  const spec = applyEdit(current.spec, command.edit, options.note);
  const written = await target.write(spec);
  human.out(`${target.description}: generation ${written.generation}: ${describeSpec(spec)}`);
  const waited = options.wait ? await waitForAcknowledgement(target, written, options, human) : null;
  if (json)
    printJson(io, {
      target: target.description,
      generation: written.generation,
      spec,
      // null: --no-wait, nobody waited for the replicas.
      acknowledged: waited === null ? null : waited.code === exitCodes.ok,
      progress: waited?.progress ?? null,
    });
  return waited?.code ?? exitCodes.ok;
}

async function runHistory(command: Extract<Command, { kind: 'history' }>, io: CliIo): Promise<number> {
  const { token } = command.history;
  if (token === null)
    throw new UsageError(
      'history needs an admin token: --token, SKETCHYAF_ADMIN_TOKEN or BROADCAST_ADMIN_TOKENS',
    );
  const result = await fetchHistory(command.gameId, { ...command.history, token });
  if (result.kind !== 'page') {
    if (command.output === 'json') printJson(io, { error: { code: result.kind, message: result.message } });
    io.err(`sketchyaf-realtime: ${result.message}`);
    return result.kind === 'not_found' ? exitCodes.notFound : exitCodes.failed;
  }
  if (command.output === 'json') printJson(io, result.page);
  else for (const line of formatHistory(result.page)) io.out(line);
  return exitCodes.ok;
}

async function run(command: Exclude<Command, { kind: 'help' }>, io: CliIo): Promise<number> {
  // With --output json, stdout holds the one JSON document; progress lines go to stderr.
  const human: CliIo = command.output === 'json' ? { ...io, out: io.err } : io;
  switch (command.kind) {
    case 'version':
      if (command.output === 'json') printJson(io, { version: cliVersion });
      else io.out(`sketchyaf-realtime ${cliVersion}`);
      return exitCodes.ok;
    case 'history':
      return runHistory(command, io);
    default:
      return runControl(command, io, human);
  }
}

/** `sketchyaf-realtime …`: returns the exit code; never exits the process. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let command: Command;
  try {
    command = parseArgs(argv, io.env);
  } catch (err) {
    io.err(`sketchyaf-realtime: ${err instanceof Error ? err.message : String(err)}`);
    io.err(usage);
    return exitCodes.usage;
  }
  if (command.kind === 'help') {
    io.out(usage);
    return exitCodes.ok;
  }
  try {
    return await run(command, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`sketchyaf-realtime: ${err.message}`);
      return exitCodes.usage;
    }
    const message = err instanceof Error ? err.message : String(err);
    if (command.output === 'json') printJson(io, { error: { code: 'failed', message } });
    io.err(`sketchyaf-realtime: ${message}`);
    return exitCodes.failed;
  }
}
