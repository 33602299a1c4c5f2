// promtool, amtool and alertmanager for the monitoring tests. They are never
// skipped: a missing binary fails with the command that installs it.
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

export const installCommand =
  'apt-get update && apt-get install -y --no-install-recommends prometheus prometheus-alertmanager';

const tools = {
  promtool: { env: 'PROMTOOL_BIN', names: ['promtool'] },
  amtool: { env: 'AMTOOL_BIN', names: ['amtool'] },
  // Debian names the server prometheus-alertmanager.
  alertmanager: { env: 'ALERTMANAGER_BIN', names: ['alertmanager', 'prometheus-alertmanager'] },
} as const;

export type ToolName = keyof typeof tools;

async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Path of a tool: $<NAME>_BIN, else the first match on PATH; throws with the install command. */
export async function findTool(name: ToolName): Promise<string> {
  const tool = tools[name];
  const override = process.env[tool.env];
  if (override) return override;
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    for (const candidate of tool.names) {
      const path = join(dir, candidate);
      if (await executable(path)) return path;
    }
  }
  throw new Error(
    `${tool.names.join(' or ')} not found on PATH (or set ${tool.env}). The monitoring tests need it; install it with:\n  ${installCommand}`,
  );
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; a non-zero exit is a result, not an exception. */
export function run(
  file: string,
  args: readonly string[],
  options: { cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: options.cwd, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') {
        // Not an exit status: the command could not run at all (ENOENT, EACCES, ...).
        reject(new Error(`${file}: ${err.message}`, { cause: err }));
        return;
      }
      resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
  });
}

/** `run`, failing with the command's output unless it exits 0. */
export async function runOk(
  file: string,
  args: readonly string[],
  options: { cwd?: string } = {},
): Promise<string> {
  const result = await run(file, args, options);
  if (result.code !== 0) {
    throw new Error(`${file} ${args.join(' ')} exited ${result.code}:\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
}
