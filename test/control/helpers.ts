// Runtime control tests: real services on real PostgreSQL and pubnub-local,
// driven through the CLI against a CONTROL_FILE, acknowledged through health.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '@sketchyaf/cli';
import type { HealthService } from '@sketchyaf/health';
import { startTestHealth } from '../../services/health/test/helpers.ts';

export interface ControlDir {
  file: string;
  remove(): Promise<void>;
}

export async function controlDir(): Promise<ControlDir> {
  const dir = await mkdtemp(join(tmpdir(), 'sketchyaf-control-'));
  return { file: join(dir, 'control.yaml'), remove: () => rm(dir, { recursive: true, force: true }) };
}

/** What every service needs to follow the file: fast re-reads, so a lost watch event costs little. */
export function controlEnv(file: string): Record<string, string> {
  return { CONTROL_FILE: file, CONTROL_RESYNC_MS: '500' };
}

/** The health service as the operator only (no canary), collecting acknowledgements from these URLs. */
export function startOperator(
  databaseUrl: string,
  pubnubUrl: string,
  file: string,
  urls: { broadcaster: string[]; timerMonitor: string[] },
): Promise<HealthService> {
  return startTestHealth({
    DATABASE_URL: databaseUrl,
    PUBNUB_ORIGIN: pubnubUrl,
    BROADCASTER_URLS: urls.broadcaster.join(','),
    TIMER_MONITOR_URLS: urls.timerMonitor.join(','),
    CANARY_ENABLED: 'false',
    CONTROL_POLL_INTERVAL_MS: '200',
    ...controlEnv(file),
  });
}

export interface CliRun {
  code: number;
  out: string[];
  err: string[];
  /** When the CLI returned (every replica had acknowledged, for code 0). */
  at: number;
}

/** `sketchyaf-realtime control …` in-process, against the file and the operator. */
export async function cli(args: string[], file: string, healthUrl: string): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['control', ...args, '--timeout', '20'], {
    env: { CONTROL_FILE: file, HEALTH_URL: healthUrl },
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    pollMs: 50,
  });
  return { code, out, err, at: Date.now() };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
