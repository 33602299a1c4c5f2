import { z } from 'zod';
import { strict as assert } from 'node:assert';
import {
  ConfigError,
  loadConfig,
  intField,
  databaseUrlField,
  urlListField,
  tokenListField,
  baseEnvShape,
  redactUrl,
} from '../src/index.ts';

const shape = {
  ...baseEnvShape,
  DATABASE_URL: databaseUrlField.optional(),
  SHARD_COUNT: intField({ min: 1, max: 4096, default: 64 }),
  REDIS_URL: urlListField(['redis:']).optional(),
};

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env, shape, { requiredWhenDeployed: ['DATABASE_URL'] });
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies defaults and returns a frozen object', () => {
    const config = loadConfig({}, shape);
    assert.equal(config.APP_ENV, 'development');
    assert.equal(config.SHARD_COUNT, 64);
    assert.ok(Object.isFrozen(config));
  });

  it('reports every problem at once, naming each key', () => {
    const problems = problemsOf({
      APP_ENV: 'production',
      SHARD_COUNT: 'lots',
      LOG_LEVEL: 'chatty',
      REDIS_URL: 'redis://a:6379,http://b',
    });
    assert.equal(problems.length, 4, problems.join('\n'));
    assert.match(problems.join('\n'), /DATABASE_URL: required when APP_ENV is production/);
    assert.match(problems.join('\n'), /SHARD_COUNT: must be an integer$/m);
    assert.match(problems.join('\n'), /LOG_LEVEL/);
    assert.match(problems.join('\n'), /REDIS_URL: must be a comma-separated list/);
  });

  it('rejects out-of-range numbers instead of falling back to defaults', () => {
    assert.deepEqual(problemsOf({ SHARD_COUNT: '0' }), ['SHARD_COUNT: must be at least 1']);
  });

  it('rejects a malformed DATABASE_URL even in development', () => {
    assert.match(
      problemsOf({ DATABASE_URL: 'mysql://x' })[0] ?? '',
      /DATABASE_URL: must be a URL starting with postgres:/,
    );
  });

  it('treats empty values as unset', () => {
    const config = loadConfig({ SHARD_COUNT: '', DATABASE_URL: ' ' }, shape);
    assert.equal(config.SHARD_COUNT, 64);
    assert.equal(config.DATABASE_URL, undefined);
  });

  it('splits comma-separated URL lists', () => {
    const config = loadConfig({ REDIS_URL: 'redis://a:6379, redis://b:6379' }, shape);
    assert.deepEqual(config.REDIS_URL, ['redis://a:6379', 'redis://b:6379']);
  });

  it('accepts a comma-separated token list and rejects short or non-printable tokens', () => {
    const tokens = { TOKENS: tokenListField };
    assert.deepEqual(loadConfig({ TOKENS: 'a-token-of-16-chars, another-token-0123' }, tokens).TOKENS, [
      'a-token-of-16-chars',
      'another-token-0123',
    ]);
    assert.throws(
      () => loadConfig({ TOKENS: 'short' }, tokens),
      /TOKENS: must be a comma-separated list of tokens/,
    );
    assert.throws(() => loadConfig({ TOKENS: 'has a space in it, ok' }, tokens), ConfigError);
  });

  it('reports a group of alternatives once when none of them is set', () => {
    assert.throws(
      () =>
        loadConfig(
          { APP_ENV: 'staging' },
          { ...baseEnvShape, A: tokenListField.optional(), B: tokenListField.optional() },
          {
            requiredWhenDeployed: [['A', 'B']],
          },
        ),
      (err: unknown) =>
        err instanceof ConfigError && err.problems.join() === 'A or B: required when APP_ENV is staging',
    );
  });

  it("never quotes a value, even when a rule's message would", () => {
    const shape = {
      SECRET: z.string().refine((v) => v.length > 40, { error: (i) => `too short: ${String(i.input)}` }),
    };
    assert.deepEqual(problemsOfShape({ SECRET: 'hunter2-password' }, shape), ['SECRET: invalid (custom)']);
    assert.deepEqual(problemsOfShape({ SECRET: 'a,hunter2-password' }, shape), ['SECRET: invalid (custom)']);
  });
});

function problemsOfShape(env: Record<string, string>, shape: z.ZodRawShape): readonly string[] {
  try {
    loadConfig(env, shape);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('redactUrl', () => {
  it('hides passwords and credential query parameters, keeps the rest', () => {
    assert.equal(
      redactUrl('postgres://app:pa55word@db:5432/sketchyaf?sslmode=require&password=other'),
      'postgres://app:***@db:5432/sketchyaf?sslmode=require&password=***',
    );
    assert.equal(redactUrl('redis://:pa55word@redis-0:6379'), 'redis://:***@redis-0:6379');
    assert.equal(redactUrl('redis://redis-0:6379'), 'redis://redis-0:6379');
  });

  it('shows nothing of a value that is not a URL', () => {
    assert.equal(redactUrl('app:pa55word@db'), '(not a URL, not shown)');
  });
});
