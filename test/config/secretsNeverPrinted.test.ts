import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConfigError, type Env } from '@sketchyaf/core';
import { loadLocalStackConfig } from '../../packages/devstack/src/localStackConfig.ts';
import { loadBroadcasterConfig } from '../../services/broadcaster/src/config.ts';
import { loadHealthConfig } from '../../services/health/src/config.ts';
import { loadTimerMonitorConfig } from '../../services/timer-monitor/src/config.ts';

// Every secret-bearing variable gets a malformed value with a marker inside; a
// problem report must name the variable and carry none of the markers.

const marker = (name: string): string => `S3CRET${name.replace(/_/g, '')}X`;

/** Malformed values that still contain the secret part (a password, a token) verbatim. */
const malformed: Record<string, (m: string) => string> = {
  // Wrong scheme, password inside.
  DATABASE_URL: (m) => `mysql://app:${m}@db.internal:5432/sketchyaf`,
  // One good node, one unparsable one holding a password.
  REDIS_URL: (m) => `redis://:${m}@redis-0:6379,redis://:${m}@[broken`,
  // A valid-looking token next to one that is too short: the list is refused as a whole.
  BROADCAST_API_TOKENS: (m) => `${m}-long-enough-token,short${m.slice(0, 3)}`,
  BROADCAST_ADMIN_TOKENS: (m) => `${m} has a space in it`,
  CANARY_API_TOKEN: (m) => `${m} with spaces`,
  PUBNUB_ORIGIN: (m) => `ftp://user:${m}@pubnub.example.com`,
  PUBNUB_USER_ID: (m) => `${m}${'x'.repeat(100)}`,
};

interface Target {
  name: string;
  variables: string[];
  load(env: Env): unknown;
  main: string;
}

const targets: Target[] = [
  {
    name: 'broadcaster',
    variables: [
      'DATABASE_URL',
      'REDIS_URL',
      'BROADCAST_API_TOKENS',
      'BROADCAST_ADMIN_TOKENS',
      'PUBNUB_ORIGIN',
      'PUBNUB_USER_ID',
    ],
    load: loadBroadcasterConfig,
    main: '../../services/broadcaster/src/main.ts',
  },
  {
    name: 'timer-monitor',
    variables: ['DATABASE_URL', 'REDIS_URL'],
    load: loadTimerMonitorConfig,
    main: '../../services/timer-monitor/src/main.ts',
  },
  {
    name: 'health',
    variables: [
      'DATABASE_URL',
      'REDIS_URL',
      'CANARY_API_TOKEN',
      'BROADCAST_API_TOKENS',
      'PUBNUB_ORIGIN',
      'PUBNUB_USER_ID',
    ],
    load: loadHealthConfig,
    main: '../../services/health/src/main.ts',
  },
  {
    name: 'npm start (devstack)',
    variables: ['DATABASE_URL', 'PUBNUB_ORIGIN'],
    load: loadLocalStackConfig,
    main: '../../packages/devstack/src/main.ts',
  },
];

function badEnv(variables: readonly string[]): Record<string, string> {
  const env: Record<string, string> = { APP_ENV: 'production' };
  for (const v of variables) env[v] = (malformed[v] as (m: string) => string)(marker(v));
  return env;
}

function assertClean(text: string, variables: readonly string[]): void {
  for (const v of variables) {
    assert.ok(text.includes(v), `the output names ${v}:\n${text}`);
    // Any 6 characters of the marker would be a leak; the marker's core is checked, case-insensitive.
    assert.ok(
      !text.toUpperCase().includes(marker(v).toUpperCase()),
      `the output leaks ${v}'s value:\n${text}`,
    );
  }
  assert.doesNotMatch(text, /S3CRET/i, `no secret marker anywhere:\n${text}`);
}

function runMain(
  path: string,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [fileURLToPath(new URL(path, import.meta.url))],
      { env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 60_000 },
      (_err, stdout, stderr) => resolve({ code: child.exitCode, output: `${stdout}\n${stderr}` }),
    );
  });
}

describe('configuration errors never print secrets', () => {
  for (const target of targets) {
    it(`${target.name}: the loader names each malformed variable and prints none of the values`, () => {
      const env = badEnv(target.variables);
      let problems: readonly string[] = [];
      try {
        target.load(env);
      } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        problems = err.problems;
      }
      assert.ok(problems.length >= target.variables.length, problems.join('\n'));
      assertClean(problems.join('\n'), target.variables);
    });

    it(`${target.name}: the real process exits 78 without printing any value`, async () => {
      const env = badEnv(target.variables);
      const { code, output } = await runMain(target.main, env);
      assert.equal(code, 78, output);
      assertClean(output, target.variables);
    });
  }
});
