export { runCli, exitCodes, cliVersion, type CliIo } from './cli.ts';
export { formatHistory } from './historyTable.ts';
export { fetchHistory, type HistoryPage, type HistoryResult } from './historyClient.ts';
export {
  parseArgs,
  usage,
  UsageError,
  type Command,
  type CliOptions,
  type Edit,
  type HistoryOptions,
  type OutputFormat,
} from './args.ts';
export { applyEdit, settableKeys } from './edits.ts';
export { FileTarget } from './fileTarget.ts';
export type { ControlTarget, Progress, ReplicaProgress } from './target.ts';
