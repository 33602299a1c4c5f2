import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { shutdownEnvShape } from '../lifecycle/shutdownDeadline.ts';

export type Env = Readonly<Record<string, string | undefined>>;

export const appEnvs = ['development', 'staging', 'production'] as const;
export type AppEnv = (typeof appEnvs)[number];

export const logLevels = ['error', 'warn', 'info', 'debug', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

/** Settings every service reads. */
export const baseEnvShape = {
  APP_ENV: z.enum(appEnvs).default('development'),
  LOG_LEVEL: z.enum(logLevels).default('info'),
  HOST: z.string().min(1).optional(),
  // Read by runMain; here so that a malformed value is reported with every other problem.
  ...shutdownEnvShape,
};

export interface LoadOptions<K extends string> {
  /** Keys with no safe default outside development; an inner list means "any one of these". */
  readonly requiredWhenDeployed?: readonly (K | readonly K[])[];
}

/**
 * A problem's text never carries the value: connection strings, tokens and
 * keys are secrets, and the console of a failed start ends up in CI logs and
 * pod events. Should a message ever quote its input (a future zod release, a
 * custom refine), the issue's code stands in for it.
 */
function withoutValue(message: string, code: string, value: string | undefined): string {
  if (value === undefined) return message;
  const quoted = [value, ...value.split(',').map((part) => part.trim())].filter((part) => part.length >= 3);
  return quoted.some((part) => message.includes(part)) ? `invalid (${code})` : message;
}

/**
 * Validates `env` against `shape` and returns a frozen result. Every problem
 * is reported in one ConfigError, never one at a time. Empty strings count
 * as unset, so `FOO=` in a manifest behaves like a missing key. Problems name
 * the variable and the rule, never the value (see withoutValue).
 */
export function loadConfig<S extends z.ZodRawShape>(
  env: Env,
  shape: S,
  options: LoadOptions<keyof S & string> = {},
): Readonly<z.output<z.ZodObject<S>>> {
  const cleaned: Record<string, string> = {};
  for (const key of Object.keys(shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') cleaned[key] = value.trim();
  }

  const problems: string[] = [];
  const appEnv = env['APP_ENV']?.trim() ?? '';
  const deployed = appEnv === 'staging' || appEnv === 'production';
  const missing = new Set<string>();
  if (deployed) {
    for (const required of options.requiredWhenDeployed ?? []) {
      const anyOf: readonly string[] = typeof required === 'string' ? [required] : required;
      if (anyOf.every((key) => cleaned[key] === undefined)) {
        for (const key of anyOf) missing.add(key);
        problems.push(`${anyOf.join(' or ')}: required when APP_ENV is ${appEnv}`);
      }
    }
  }

  const result = z.object(shape).safeParse(cleaned);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = issue.path.map(String).join('.') || '(env)';
      if (missing.has(key)) continue;
      const got = cleaned[key];
      if (got === undefined && issue.code === 'invalid_type') problems.push(`${key}: required`);
      else problems.push(`${key}: ${withoutValue(issue.message, issue.code, got)}`);
    }
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return Object.freeze(result.data);
}
