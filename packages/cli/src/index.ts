export { runCli, exitCodes, type CliIo } from './cli.ts';
export { parseArgs, usage, UsageError, type Command, type CliOptions, type Edit } from './args.ts';
export { applyEdit, settableKeys } from './edits.ts';
export { FileTarget } from './fileTarget.ts';
export type { ControlTarget, Progress, ReplicaProgress } from './target.ts';
